package body

import (
	"bytes"
	"encoding/hex"
	"io"
	"math"
	"math/rand/v2"
	"net/http"
	"strconv"

	"github.com/skiff-proxy/skiff/filters"
	"github.com/skiff-proxy/skiff/filters/specargs"
)

// maxLength bounds the generated body lengths: 2^53, where a float64
// still counts every byte.
const maxLength = 1 << 53

// length reads argument i as a body length. Like skipper, a fraction is
// dropped; negative is an error unless negativeIsZero (skipper's
// randomContent serves an empty body for it).
func length(a specargs.Args, i int, negativeIsZero bool) (int64, error) {
	f, err := a.Number(i, "length")
	if err != nil {
		return 0, err
	}
	switch {
	case math.IsNaN(f) || f >= maxLength:
		return 0, a.Errorf("argument %d (length) must be a number of bytes below 2^53, got %v", i+1, a.At(i))
	case f < 0 && negativeIsZero:
		return 0, nil
	case f <= -1:
		return 0, a.Errorf("argument %d (length) must not be negative, got %v", i+1, a.At(i))
	}
	return int64(f), nil
}

// serve answers with a 200 of n bytes read from body.
func serve(ctx filters.FilterContext, n int64, body io.Reader) {
	ctx.Serve(&http.Response{
		StatusCode:    http.StatusOK,
		Status:        "200 OK",
		Proto:         "HTTP/1.1",
		ProtoMajor:    1,
		ProtoMinor:    1,
		Header:        http.Header{"Content-Length": {strconv.FormatInt(n, 10)}},
		ContentLength: n,
		Body:          io.NopCloser(io.LimitReader(body, n)),
		Request:       ctx.Request(),
	})
}

type randomSpec struct{}

func (randomSpec) Name() string { return "randomContent" }

func (s randomSpec) CreateFilter(args []any) (filters.Filter, error) {
	a := specargs.Filter(s.Name(), args)
	if err := a.Count(1, 1); err != nil {
		return nil, err
	}
	n, err := length(a, 0, true)
	if err != nil {
		return nil, err
	}
	return random(n), nil
}

// random answers with n random letters and digits.
type random int64

func (f random) Request(ctx filters.FilterContext) {
	serve(ctx, int64(f), &randomReader{r: rand.New(rand.NewPCG(rand.Uint64(), rand.Uint64()))})
}

func (random) Response(filters.FilterContext) {}

const alphanumeric = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"

type randomReader struct{ r *rand.Rand }

// Read fills p with characters of alphanumeric, ten from each random
// 64 bits, six bits each (values from 62 up are dropped, so each character
// is equally likely).
func (r *randomReader) Read(p []byte) (int, error) {
	i := 0
	for i < len(p) {
		v := r.r.Uint64()
		for k := 0; k < 10 && i < len(p); k, v = k+1, v>>6 {
			if c := v & 63; c < 62 {
				p[i] = alphanumeric[c]
				i++
			}
		}
	}
	return len(p), nil
}

type repeatSpec struct {
	name string
	hex  bool
}

func (s *repeatSpec) Name() string { return s.name }

func (s *repeatSpec) CreateFilter(args []any) (filters.Filter, error) {
	a := specargs.Filter(s.name, args)
	if err := a.Count(2, 2); err != nil {
		return nil, err
	}
	text, err := bytesArg(a, 0, "content to repeat", s.hex)
	if err != nil {
		return nil, err
	}
	if len(text) == 0 {
		return nil, a.Errorf("argument 1 (content to repeat) must not be empty")
	}
	n, err := length(a, 1, false)
	if err != nil {
		return nil, err
	}
	return &repeat{text: text, n: n}, nil
}

// bytesArg reads argument i as a string, hex-decoded when hex is set.
func bytesArg(a specargs.Args, i int, what string, hexa bool) ([]byte, error) {
	s, err := a.String(i, what)
	if err != nil || !hexa {
		return []byte(s), err
	}
	b, err := hex.DecodeString(s)
	if err != nil {
		return nil, a.Errorf("argument %d (%s) %q is not hexadecimal: %v", i+1, what, s, err)
	}
	return b, nil
}

// repeat answers with n bytes of text repeated.
type repeat struct {
	text []byte
	n    int64
}

func (f *repeat) Request(ctx filters.FilterContext) {
	serve(ctx, f.n, &repeatReader{text: f.text})
}

func (*repeat) Response(filters.FilterContext) {}

type repeatReader struct {
	text []byte
	off  int
}

func (r *repeatReader) Read(p []byte) (int, error) {
	n := copy(p, r.text[r.off:])
	if n < len(p) {
		n += copy(p[n:], r.text[:r.off])
		// p[:n] is now one whole period: double it until p is full
		for n < len(p) {
			n += copy(p[n:], p[:n])
		}
	}
	r.off = int((int64(r.off) + int64(len(p))) % int64(len(r.text)))
	return len(p), nil
}

type wrapSpec struct {
	name string
	hex  bool
}

func (s *wrapSpec) Name() string { return s.name }

func (s *wrapSpec) CreateFilter(args []any) (filters.Filter, error) {
	a := specargs.Filter(s.name, args)
	if err := a.Count(2, 2); err != nil {
		return nil, err
	}
	prefix, err := bytesArg(a, 0, "prefix", s.hex)
	if err != nil {
		return nil, err
	}
	suffix, err := bytesArg(a, 1, "suffix", s.hex)
	if err != nil {
		return nil, err
	}
	return &wrap{prefix: prefix, suffix: suffix}, nil
}

// wrap puts prefix before and suffix after the response body.
type wrap struct{ prefix, suffix []byte }

func (*wrap) Request(filters.FilterContext) {}

func (f *wrap) Response(ctx filters.FilterContext) {
	rsp := ctx.Response()
	if rsp == nil {
		return
	}
	s := rsp.StatusCode
	if s < 200 || s == http.StatusNoContent || s == http.StatusNotModified {
		return
	}
	extra := int64(len(f.prefix) + len(f.suffix))
	// A HEAD answer gets the length the GET answer would have.
	if v := rsp.Header["Content-Length"]; len(v) > 0 {
		if n, err := strconv.ParseInt(v[0], 10, 64); err == nil && n >= 0 {
			rsp.Header["Content-Length"] = []string{strconv.FormatInt(n+extra, 10)}
			rsp.ContentLength = n + extra
		}
	} else if rsp.ContentLength >= 0 {
		rsp.ContentLength += extra
	}
	if req := ctx.Request(); req != nil && req.Method == http.MethodHead {
		return
	}
	body := rsp.Body
	if body == nil {
		body = http.NoBody
	}
	rsp.Body = &wrapped{
		Reader: io.MultiReader(bytes.NewReader(f.prefix), body, bytes.NewReader(f.suffix)),
		body:   body,
	}
}

type wrapped struct {
	io.Reader
	body io.Closer
}

func (w *wrapped) Close() error { return w.body.Close() }
