package tee

import (
	"errors"
	"sync"
)

var (
	errOverflow   = errors.New("tee: shadow fell behind the main request, body copy abandoned")
	errMainClosed = errors.New("tee: main request body closed before its end")
	errPipeClosed = errors.New("tee: shadow body closed")
)

// pipe carries the request body from the main request, as the main request
// reads it, to the shadow request. Writing never blocks: when the shadow
// cannot keep up and max bytes are waiting, the copy is abandoned (the
// shadow request fails) rather than slowing the main request down.
type pipe struct {
	mu      sync.Mutex
	cond    sync.Cond
	buf     []byte
	off     int
	max     int
	werr    error // set once the writer is done: io.EOF or why not
	rclosed bool
}

func newPipe(max int) *pipe {
	p := &pipe{max: max}
	p.cond.L = &p.mu
	return p
}

func (p *pipe) write(b []byte) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.rclosed || p.werr != nil {
		return
	}
	pending := len(p.buf) - p.off
	if pending+len(b) > p.max {
		p.werr = errOverflow
		p.buf, p.off = nil, 0
		p.cond.Broadcast()
		return
	}
	if p.off > 0 && len(p.buf)+len(b) > cap(p.buf) {
		n := copy(p.buf, p.buf[p.off:])
		p.buf, p.off = p.buf[:n], 0
	}
	p.buf = append(p.buf, b...)
	p.cond.Broadcast()
}

func (p *pipe) closeWrite(err error) {
	p.mu.Lock()
	if p.werr == nil {
		p.werr = err
	}
	p.cond.Broadcast()
	p.mu.Unlock()
}

// Read is the shadow request's body.
func (p *pipe) Read(b []byte) (int, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	for !p.rclosed && p.off == len(p.buf) && p.werr == nil {
		p.cond.Wait()
	}
	if p.rclosed {
		return 0, errPipeClosed
	}
	if p.off < len(p.buf) && p.werr != errOverflow {
		n := copy(b, p.buf[p.off:])
		p.off += n
		return n, nil
	}
	return 0, p.werr
}

// Close is called by the shadow side when it no longer reads; later writes
// are dropped and the buffer is freed.
func (p *pipe) Close() error {
	p.mu.Lock()
	p.rclosed = true
	p.buf, p.off = nil, 0
	p.cond.Broadcast()
	p.mu.Unlock()
	return nil
}
