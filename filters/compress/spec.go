package compress

import (
	"fmt"
	"math"
	"strings"
	"sync"

	"github.com/skiff-proxy/skiff/filters"
	"github.com/skiff-proxy/skiff/filters/specargs"
)

// Name is the filter name used in eskip.
const Name = "compress"

// DefaultLevel favours speed, as compression runs on the request path.
const DefaultLevel = 1

// MinSize is the smallest declared body length worth compressing; below it
// the gzip framing can outweigh the savings.
const MinSize = 128

const (
	minLevel  = -2 // HuffmanOnly
	maxLevel  = 11 // brotli's maximum, accepted for compatibility
	maxCodec  = 9  // gzip and zlib stop at BestCompression
	levelSpan = maxCodec - minLevel + 1
)

// DefaultTypes are the media types compressed when none are given.
var defaultTypes = []string{
	"text/plain", "text/html", "application/json", "application/javascript",
	"application/x-javascript", "text/javascript", "text/css", "image/svg+xml",
	"application/octet-stream",
}

type spec struct {
	// pools of encoders, by encoding and level, shared by every route.
	pools [numEncodings][levelSpan]sync.Pool
}

// Specs returns the compress spec.
func Specs() []filters.Spec { return []filters.Spec{&spec{}} }

func (*spec) Name() string { return Name }

func invalid(format string, args ...any) error {
	return fmt.Errorf("%s: %s: %w", Name, fmt.Sprintf(format, args...), filters.ErrInvalidFilterParameters)
}

// CreateFilter accepts ([level], [mime …]); a first mime argument "..."
// adds the following types to the defaults instead of replacing them.
func (s *spec) CreateFilter(args []any) (filters.Filter, error) {
	f := &filter{spec: s, level: DefaultLevel}
	rest := args
	if len(args) > 0 {
		if l, isNum := specargs.AsNumber(args[0]); isNum {
			if l != math.Trunc(l) || l < minLevel || l > maxLevel {
				return nil, invalid("argument 1 (level) must be an integer from %d to %d, got %v", minLevel, maxLevel, args[0])
			}
			f.level = int(l)
			rest = args[1:]
		}
	}
	off := len(args) - len(rest)
	var types []string
	for i, a := range rest {
		t, ok := a.(string)
		if !ok || strings.TrimSpace(t) == "" {
			return nil, invalid("argument %d must be a media type string, got %v", off+i+1, a)
		}
		if t == "..." {
			if i != 0 {
				return nil, invalid("argument %d: \"...\" must come first among the media types", off+i+1)
			}
			types = append(types, defaultTypes...)
			continue
		}
		if !strings.Contains(t, "/") {
			return nil, invalid("argument %d %q is not a media type", off+i+1, t)
		}
		types = append(types, strings.ToLower(strings.TrimSpace(t)))
	}
	if len(rest) == 0 {
		types = defaultTypes
	}
	f.types = make(map[string]struct{}, len(types))
	for _, t := range types {
		f.types[t] = struct{}{}
	}
	return f, nil
}

// codecLevel maps the accepted level range onto gzip/zlib levels.
func codecLevel(l int) int {
	if l > maxCodec {
		return maxCodec
	}
	return l
}
