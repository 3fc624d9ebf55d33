package scheduler

import (
	"context"
	"io"
	"net/http"
	"strconv"
	"strings"
	"sync/atomic"

	"github.com/skiff-proxy/skiff/filters"
)

// slotsKey holds the request's slots in the state bag: the *slot taken
// last, which links to the ones taken before.
const slotsKey = "filters/scheduler:slots"

// slot is a request's place in a queue. It is given back once: by the
// filter's Response (the non-body variants), when the response body is
// closed (the WithBody variants), or at the latest when the request's
// context ends, which net/http does when the handler returns or the client
// goes away; so a request that a later filter answers through the
// ResponseWriter, or a hijacked upgrade, gives it back too.
type slot struct {
	q        *queue
	withBody bool
	// depth counts the filters of the request that use this queue: a
	// loopback into a route of the same group, or a second fifo on a
	// route, does not wait for a slot the request already holds.
	depth    int
	released atomic.Bool
	stop     func() bool // unregisters the context hook
	outer    *slot       // the slot the request took before this one
}

func (s *slot) release() {
	if s.released.CompareAndSwap(false, true) {
		s.q.release()
	}
}

// finish gives the slot back and drops the context hook.
func (s *slot) finish() {
	s.stop()
	s.release()
}

// acquire waits for a slot of q or answers the request: 503 when the queue
// is full (or closed), 502 when the wait timed out, 499 when the client
// left while waiting (nobody reads that answer; the access log shows it).
func acquire(ctx filters.FilterContext, q *queue, withBody bool) {
	bag := ctx.StateBag()
	last, _ := bag[slotsKey].(*slot)
	for s := last; s != nil; s = s.outer {
		if s.q == q && !s.released.Load() {
			s.depth++
			return
		}
	}
	rctx := ctx.Request().Context()
	if err := q.wait(rctx); err != nil {
		ctx.Serve(rejection(err))
		return
	}
	s := &slot{q: q, withBody: withBody, depth: 1, outer: last}
	s.stop = context.AfterFunc(rctx, s.release)
	bag[slotsKey] = s
}

// done is the response phase of a queue filter: the slot of q goes back
// now, or with a WithBody variant when the response body has been sent.
func done(ctx filters.FilterContext, q *queue) {
	bag := ctx.StateBag()
	var inner *slot // the slot taken after s
	s, _ := bag[slotsKey].(*slot)
	for ; s != nil && s.q != q; s = s.outer {
		inner = s
	}
	if s == nil {
		return // the request was turned away
	}
	if s.depth--; s.depth > 0 {
		return
	}
	switch {
	case inner != nil:
		inner.outer = s.outer
	case s.outer != nil:
		bag[slotsKey] = s.outer
	default:
		delete(bag, slotsKey)
	}
	if s.withBody {
		if rsp := ctx.Response(); rsp != nil && rsp.Body != nil && rsp.Body != http.NoBody {
			rsp.Body = &releasingBody{ReadCloser: rsp.Body, s: s}
			return
		}
	}
	s.finish()
}

// releasingBody gives the slot back when the proxy closes the body, which
// it does after the last byte went to the client (or the client left).
type releasingBody struct {
	io.ReadCloser
	s *slot
}

func (b *releasingBody) Close() error {
	err := b.ReadCloser.Close()
	b.s.finish()
	return err
}

// rejection is the answer of a request that got no slot, in the form of
// the proxy's own error responses.
func rejection(err error) *http.Response {
	status := http.StatusServiceUnavailable
	switch err {
	case errTimeout:
		status = http.StatusBadGateway
	case errLeft:
		status = statusClientClosed
	}
	return errorResponse(status)
}

// statusClientClosed is the access log's status of a request whose client
// went away (nginx's convention, as the proxy uses it).
const statusClientClosed = 499

func errorResponse(status int) *http.Response {
	text := http.StatusText(status)
	if text == "" {
		text = "Client Closed Request"
	}
	body := text + "\n"
	h := make(http.Header, 4)
	h["Content-Type"] = []string{"text/plain; charset=utf-8"}
	h["X-Content-Type-Options"] = []string{"nosniff"}
	h["Content-Length"] = []string{strconv.Itoa(len(body))}
	if status == statusClientClosed {
		h["Connection"] = []string{"close"}
	}
	return &http.Response{
		StatusCode:    status,
		Status:        strconv.Itoa(status) + " " + text,
		Proto:         "HTTP/1.1",
		ProtoMajor:    1,
		ProtoMinor:    1,
		Header:        h,
		ContentLength: int64(len(body)),
		Body:          io.NopCloser(strings.NewReader(body)),
	}
}
