package proxy

import (
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"slices"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/skiff-proxy/skiff/filters"
	"github.com/skiff-proxy/skiff/healthcheck"
	"github.com/skiff-proxy/skiff/loadbalancer"
	"github.com/skiff-proxy/skiff/routing"
)

// maxAttempts bounds the attempts of one request whatever a RetryFilter
// says: each goes to an endpoint no earlier attempt failed on.
const maxAttempts = 16

// forwardLB sends the request to an endpoint the route's balancer picks.
// An attempt that failed without a response goes to another endpoint when
// that is safe (the client is still there, no byte of the request body
// was read) and worth it: without a RetryFilter on the route, when the
// first attempt could not connect, whatever the method; with one, when
// the filter says so. Failed endpoints are excluded from the next picks,
// and a request stops when only they are left.
func (p *Proxy) forwardLB(c *reqCtx, route *routing.Route) {
	b, _ := route.Balancer.(*loadbalancer.Balancer)
	if b == nil {
		c.setError(&proxyError{status: http.StatusBadGateway, err: errNoEndpoint})
		return
	}
	var body *replayableBody
	if !c.upgrade {
		if err := p.prepareOutgoing(c); err != nil {
			c.setError(err)
			return
		}
	}
	if hasBody(c.req) {
		body = &replayableBody{rc: c.req.Body}
		c.req.Body = body
	}
	var (
		failedStack [4]*healthcheck.Endpoint
		failed      = failedStack[:0]
		err         error
	)
	for n := 1; ; n++ {
		m := b.Select(c.req, c.bag, failed)
		if n > 1 && slices.Contains(failed, m.Endpoint) {
			break // every endpoint failed this request
		}
		c.retry = n - 1
		if err = p.attempt(c, m); err == nil {
			return
		}
		failed = append(failed, m.Endpoint)
		retry := p.retryAsked(c, m.Host, n, err)
		if !retry || n == maxAttempts || c.clientCtx.Err() != nil || (body != nil && body.read.Load()) {
			break
		}
	}
	c.setError(err)
}

// retryAsked tells the route's RetryFilters of a failed attempt and
// returns whether another is wanted.
func (p *Proxy) retryAsked(c *reqCtx, endpoint string, n int, err error) bool {
	asked, retry := false, false
	if c.route != nil {
		for _, f := range c.route.Filters {
			if rf, ok := f.Filter.(filters.RetryFilter); ok {
				asked = true
				if rf.AttemptFailed(c, endpoint, n, err) {
					retry = true
				}
			}
		}
	}
	if !asked {
		return n == 1 && isDialError(err)
	}
	return retry
}

// attempt forwards to one member and reports the attempt to its endpoint.
// A failed attempt ends at once; a successful one ends when its response
// has been streamed (endAttempt), so in-flight counts cover the body.
func (p *Proxy) attempt(c *reqCtx, m *loadbalancer.Member) error {
	if c.route != nil {
		for _, f := range c.route.Filters {
			if af, ok := f.Filter.(filters.AttemptFilter); ok {
				af.Attempt(c, m.Host)
			}
		}
		for _, f := range c.route.Filters {
			if g, ok := f.Filter.(filters.AttemptGate); ok {
				if rsp := g.RefuseAttempt(c, m.Host); rsp != nil {
					c.resp = rsp
					return nil
				}
			}
		}
	}
	ep := m.Endpoint
	ep.Begin()
	start := time.Now()
	err := p.forwardOnce(c, m.Scheme, m.Host)
	o := healthcheck.Outcome{Latency: time.Since(start)}
	if err != nil {
		o.Failure = failureOf(c.clientCtx, err)
		ep.End(o)
		return err
	}
	if c.resp != nil {
		o.Status = c.resp.StatusCode
	}
	c.endAttempt() // a loopback may have left one
	c.attempt, c.outcome = ep, o
	return nil
}

// endAttempt tells the endpoint of the streamed response that it is done.
func (c *reqCtx) endAttempt() {
	if c.attempt != nil {
		c.attempt.End(c.outcome)
		c.attempt = nil
	}
}

// failureOf classifies a failed round trip for the endpoint's health.
func failureOf(client context.Context, err error) healthcheck.Failure {
	switch {
	case client.Err() != nil || errors.Is(err, context.Canceled):
		return healthcheck.Canceled
	case isDialError(err):
		return healthcheck.DialFailed
	case errors.Is(err, context.DeadlineExceeded) || errors.Is(err, syscall.ETIMEDOUT):
		return healthcheck.TimedOut
	case errors.Is(err, syscall.ECONNRESET) || errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, io.EOF):
		return healthcheck.ConnectionReset
	}
	var ne net.Error
	if errors.As(err, &ne) && ne.Timeout() {
		return healthcheck.TimedOut
	}
	return healthcheck.OtherFailure
}

// replayableBody lets a request body that no attempt has read yet be sent
// to a second endpoint. Transports close the body when a dial fails; that
// close is held back until something has been read, because the client's
// body is closed by the server when the request ends anyway.
type replayableBody struct {
	rc   io.ReadCloser
	read atomic.Bool // a transport may read from its own goroutine
}

func (b *replayableBody) Read(p []byte) (int, error) {
	b.read.Store(true)
	return b.rc.Read(p)
}

func (b *replayableBody) Close() error {
	if !b.read.Load() {
		return nil
	}
	return b.rc.Close()
}
