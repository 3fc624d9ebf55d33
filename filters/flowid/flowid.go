package flowid

import (
	"fmt"
	"math/rand/v2"

	"github.com/skiff-proxy/skiff/filters"
)

// Name is the filter name used in eskip.
const Name = "flowId"

// HeaderName is the request header that carries the flow id.
const HeaderName = filters.FlowIdHeader

// StateBagKey holds the flow id of the request for other filters and the
// access log.
const StateBagKey = filters.FlowId

const (
	idLength  = 16
	minReused = 8
	maxReused = 64
	// alphabet has 64 symbols, so each symbol encodes exactly 6 random bits.
	alphabet = "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ+-"
)

type spec struct{}

// Specs returns the flowId spec.
func Specs() []filters.Spec { return []filters.Spec{spec{}} }

func (spec) Name() string { return Name }

func (spec) CreateFilter(args []any) (filters.Filter, error) {
	switch len(args) {
	case 0:
		return &filter{}, nil
	case 1:
		if s, ok := args[0].(string); ok && s == "reuse" {
			return &filter{reuse: true}, nil
		}
		return nil, fmt.Errorf("%s: argument 1 must be \"reuse\", got %v: %w", Name, args[0], filters.ErrInvalidFilterParameters)
	default:
		return nil, fmt.Errorf("%s: at most 1 argument, got %d: %w", Name, len(args), filters.ErrInvalidFilterParameters)
	}
}

type filter struct{ reuse bool }

func (f *filter) Request(ctx filters.FilterContext) {
	h := ctx.Request().Header
	if f.reuse {
		if v := h.Get(HeaderName); Valid(v) {
			ctx.StateBag()[StateBagKey] = v
			return
		}
	}
	id := New()
	h.Set(HeaderName, id)
	ctx.StateBag()[StateBagKey] = id
}

func (*filter) Response(filters.FilterContext) {}

// New returns a fresh 16-character flow id of the characters [0-9a-zA-Z+-].
func New() string {
	var b [idLength]byte
	// 16 symbols x 6 bits = 96 bits: 64 from the first draw, 32 from the second.
	r := rand.Uint64()
	for i := 0; i < 10; i++ {
		b[i] = alphabet[r&63]
		r >>= 6
	}
	r = rand.Uint64()
	for i := 10; i < idLength; i++ {
		b[i] = alphabet[r&63]
		r >>= 6
	}
	return string(b[:])
}

// Valid reports whether id is acceptable for reuse: 8 to 64 characters of
// [0-9a-zA-Z+-], which keeps log lines and header sizes predictable.
func Valid(id string) bool {
	if len(id) < minReused || len(id) > maxReused {
		return false
	}
	for i := 0; i < len(id); i++ {
		c := id[i]
		switch {
		case c >= '0' && c <= '9', c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c == '+', c == '-':
		default:
			return false
		}
	}
	return true
}
