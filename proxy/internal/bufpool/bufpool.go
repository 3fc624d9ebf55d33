// Package bufpool is the pool of copy buffers shared by the proxy's
// response copy and upgrade relay and by its HTTP/1.1 backend client
// (package h1), which copies request bodies with them. It is a package of
// its own so that both sides can use one pool without importing each
// other.
package bufpool

import "sync"

// Size is the size of the pooled buffers that carry request and response
// bodies. 32 KiB keeps large transfers at few syscalls; the pool makes the
// size free for small ones.
const Size = 32 << 10

// Pool hands out buffers of Size bytes. Pointers to slices are pooled so
// that Put does not allocate (a slice header stored in an interface
// would).
type Pool struct{ p sync.Pool }

// New returns an empty pool.
func New() *Pool {
	return &Pool{p: sync.Pool{New: func() any {
		b := make([]byte, Size)
		return &b
	}}}
}

// Get returns a buffer of Size bytes; its content is undefined.
func (b *Pool) Get() *[]byte { return b.p.Get().(*[]byte) }

// Put gives a buffer from Get back. The caller must not use it afterwards.
func (b *Pool) Put(p *[]byte) { b.p.Put(p) }
