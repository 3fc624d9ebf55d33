package h1server

import (
	"context"
	"sync"
)

// reqContext is a request's context: the connection's values, cancelled
// when the client leaves or the request is over, as with net/http. It
// does the work of context.WithCancel at less cost per request: one
// allocation, and no map of children, because it implements the AfterFunc
// method that context.AfterFunc and the context package's own children
// (WithCancel, WithTimeout) use when a parent has it. A proxy registers
// one or two such functions per request (the backend client's interrupt,
// a backend timeout), which fit in the inline array.
type reqContext struct {
	context.Context // the connection's: values only, never done

	mu     sync.Mutex
	done   chan struct{} // made by Done or cancel, closed by cancel
	err    error
	funcs  []func() // registered by AfterFunc; nil once run or stopped
	inline [2]func()
}

func newReqContext(parent context.Context) *reqContext {
	c := &reqContext{Context: parent}
	c.funcs = c.inline[:0]
	return c
}

// closedChan is the Done channel of a context cancelled before anyone
// asked for it.
var closedChan = func() chan struct{} {
	ch := make(chan struct{})
	close(ch)
	return ch
}()

func (c *reqContext) Done() <-chan struct{} {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.done == nil {
		c.done = make(chan struct{})
	}
	return c.done
}

func (c *reqContext) Err() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.err
}

// AfterFunc arranges for f to run in its own goroutine once c is
// cancelled (at once if it is already); stop unregisters it, reporting
// whether that kept f from running: context.AfterFunc's contract.
func (c *reqContext) AfterFunc(f func()) (stop func() bool) {
	c.mu.Lock()
	if c.err != nil {
		c.mu.Unlock()
		go f()
		return func() bool { return false }
	}
	i := len(c.funcs)
	c.funcs = append(c.funcs, f)
	c.mu.Unlock()
	return func() bool {
		c.mu.Lock()
		defer c.mu.Unlock()
		if c.funcs[i] == nil {
			return false
		}
		c.funcs[i] = nil
		return true
	}
}

// cancel cancels c with context.Canceled; calls after the first do
// nothing.
func (c *reqContext) cancel() {
	c.mu.Lock()
	if c.err != nil {
		c.mu.Unlock()
		return
	}
	c.err = context.Canceled
	if c.done == nil {
		c.done = closedChan
	} else {
		close(c.done)
	}
	var run [2]func()
	fs := run[:0]
	for i, f := range c.funcs {
		if f != nil {
			fs = append(fs, f)
			c.funcs[i] = nil
		}
	}
	c.mu.Unlock()
	for _, f := range fs {
		go f()
	}
}

func (c *reqContext) String() string { return "h1server request context" }
