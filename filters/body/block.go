package body

import (
	"bytes"
	"encoding/hex"
	"fmt"
	"io"
	"net/http"
	"sync"
	"sync/atomic"

	"github.com/skiff-proxy/skiff/filters"
	"github.com/skiff-proxy/skiff/filters/specargs"
)

// ErrBlocked fails the read of a request body that holds content a
// blockContent or blockContentHex filter blocks. The proxy answers such a
// request 400.
var ErrBlocked = fmt.Errorf("blocked string match found in stream: %w", filters.ErrRequestBodyRejected)

// blockSpec makes blockContent and blockContentHex.
type blockSpec struct {
	name string
	hex  bool
}

func (s *blockSpec) Name() string { return s.name }

func (s *blockSpec) CreateFilter(args []any) (filters.Filter, error) {
	a := specargs.Filter(s.name, args)
	if err := a.Count(1, -1); err != nil {
		return nil, err
	}
	f := &block{patterns: make([][]byte, 0, len(args))}
	for i := range args {
		v, err := a.NonEmptyString(i, "content to block")
		if err != nil {
			return nil, err
		}
		p := []byte(v)
		if s.hex {
			if p, err = hex.DecodeString(v); err != nil {
				return nil, a.Errorf("argument %d (content to block) %q is not hexadecimal: %v", i+1, v, err)
			}
		}
		f.patterns = append(f.patterns, p)
		f.keep = max(f.keep, len(p)-1)
	}
	size := f.keep + readSize
	f.bufs.New = func() any { b := make([]byte, size); return &b }
	return f, nil
}

type block struct {
	patterns [][]byte
	keep     int // longest pattern - 1: what a match across reads needs
	bufs     sync.Pool
}

// Request wraps the request body in a scanner. The backend never gets a
// blocked string in full: the scanner holds back the bytes that could
// begin one until the next read shows they do not.
func (f *block) Request(ctx filters.FilterContext) {
	req := ctx.Request()
	if req.Body == nil || req.Body == http.NoBody {
		return
	}
	req.Body = &blockReader{src: req.Body, f: f}
}

func (*block) Response(filters.FilterContext) {}

func (f *block) blocked(b []byte) bool {
	for _, p := range f.patterns {
		if bytes.Contains(b, p) {
			return true
		}
	}
	return false
}

// blockReader passes a body on while looking for blocked content in it,
// matches across reads included.
type blockReader struct {
	src io.ReadCloser
	f   *block

	bp                *[]byte // buf[start:end] read, of which buf[start:ready] checked
	start, ready, end int
	err               error
	closed            atomic.Bool
}

func (b *blockReader) Read(p []byte) (int, error) {
	if b.closed.Load() {
		return 0, ErrClosed
	}
	for {
		if b.ready > b.start {
			n := copy(p, (*b.bp)[b.start:b.ready])
			b.start += n
			if b.start == b.end && b.err != nil {
				b.release()
			}
			return n, nil
		}
		if b.err != nil {
			return 0, b.err
		}
		if len(p) == 0 {
			return 0, nil
		}
		if b.bp == nil {
			b.bp = b.f.bufs.Get().(*[]byte)
		}
		buf := *b.bp
		if b.start > 0 {
			copy(buf, buf[b.start:b.end])
			b.end -= b.start
			b.start, b.ready = 0, 0
		}
		n, err := b.src.Read(buf[b.end:])
		b.end += n
		if n > 0 && b.f.blocked(buf[:b.end]) {
			b.err = ErrBlocked
			b.release()
			return 0, ErrBlocked
		}
		if err != nil {
			b.ready, b.err = b.end, err
			if b.end == 0 {
				b.release()
			}
			continue
		}
		b.ready = max(b.end-b.f.keep, 0)
	}
}

// release gives the buffer back once nothing more is read from it.
func (b *blockReader) release() {
	if b.bp != nil {
		b.f.bufs.Put(b.bp)
		b.bp = nil
	}
	b.start, b.ready, b.end = 0, 0, 0
}

// Close closes the source; it touches no state of Read.
func (b *blockReader) Close() error {
	b.closed.Store(true)
	return b.src.Close()
}
