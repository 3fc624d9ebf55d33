package proxy

import "sync"

// copyBufferSize is the size of the pooled buffers that carry request and
// response bodies. 32 KiB keeps large transfers at few syscalls; the pool
// makes the size free for small ones.
const copyBufferSize = 32 << 10

type bufferPool struct{ p sync.Pool }

func newBufferPool() *bufferPool {
	return &bufferPool{p: sync.Pool{New: func() any {
		b := make([]byte, copyBufferSize)
		return &b
	}}}
}

func (b *bufferPool) get() *[]byte  { return b.p.Get().(*[]byte) }
func (b *bufferPool) put(p *[]byte) { b.p.Put(p) }
