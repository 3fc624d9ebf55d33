package compress

import (
	"compress/gzip"
	"compress/zlib"
	"errors"
	"io"
	"sync"
)

// chunkSize is how much of the upstream body is compressed at a time.
const chunkSize = 32 << 10

type compressor interface {
	io.WriteCloser
	Flush() error
	Reset(io.Writer)
}

// encoder is a reusable compressing reader: each Read pulls one chunk from
// the source, compresses it and flushes, so that a streaming response (SSE,
// long poll) reaches the client as it is produced, at the cost of a few
// bytes of framing per chunk.
type encoder struct {
	pool *sync.Pool
	w    compressor
	in   []byte
	out  []byte // compressed bytes not yet read
	off  int

	mu     sync.Mutex
	src    io.ReadCloser
	done   bool
	err    error
	closed bool
}

var errClosed = errors.New("compress: read after close")

func (s *spec) newEncoder(src io.ReadCloser, enc encoding, level int) io.ReadCloser {
	pool := &s.pools[enc][level-minLevel]
	e, _ := pool.Get().(*encoder)
	if e == nil {
		e = &encoder{pool: pool, in: make([]byte, chunkSize)}
		var err error
		switch enc {
		case encGzip:
			e.w, err = gzip.NewWriterLevel(e, level)
		default:
			e.w, err = zlib.NewWriterLevel(e, level)
		}
		if err != nil {
			// unreachable: levels are validated when the filter is created
			panic(err)
		}
	} else {
		e.w.Reset(e)
	}
	e.src = src
	return e
}

// Write collects the compressor's output.
func (e *encoder) Write(p []byte) (int, error) {
	e.out = append(e.out, p...)
	return len(p), nil
}

func (e *encoder) Read(p []byte) (int, error) {
	e.mu.Lock()
	defer e.mu.Unlock()
	for {
		if e.closed {
			return 0, errClosed
		}
		if e.off < len(e.out) {
			n := copy(p, e.out[e.off:])
			e.off += n
			if e.off == len(e.out) {
				e.out, e.off = e.out[:0], 0
			}
			return n, nil
		}
		if e.done {
			return 0, e.err
		}
		n, err := e.src.Read(e.in)
		if n > 0 {
			e.w.Write(e.in[:n]) // writes to e.out, which cannot fail
		}
		switch {
		case err == io.EOF:
			e.w.Close() // emits the trailer into e.out
			e.done, e.err = true, io.EOF
		case err != nil:
			e.done, e.err = true, err
		case n > 0:
			e.w.Flush()
		}
	}
}

// Close closes the source and returns the encoder to its pool. The source
// is closed before taking the lock so that a Read blocked on it returns.
func (e *encoder) Close() error {
	err := e.src.Close()
	e.mu.Lock()
	if e.closed {
		e.mu.Unlock()
		return err
	}
	e.closed = true
	e.mu.Unlock()
	e.release()
	return err
}

func (e *encoder) release() {
	// A fresh value goes back to the pool; this one stays closed for any
	// late caller still holding it.
	r := &encoder{pool: e.pool, w: e.w, in: e.in, out: e.out[:0]}
	e.w, e.in, e.out = nil, nil, nil
	r.w.Reset(io.Discard)
	r.pool.Put(r)
}
