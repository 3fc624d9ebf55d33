package proxy

import (
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/skiff-proxy/skiff/filters"
	"github.com/skiff-proxy/skiff/healthcheck"
	"github.com/skiff-proxy/skiff/loadbalancer"
	"github.com/skiff-proxy/skiff/routing"
)

// forwardLB sends the request to an endpoint the route's balancer picks.
// An attempt that failed before anything reached the backend (the dial
// failed, so the body was not read) goes to another endpoint once,
// whatever the method: the failed endpoint is marked dead by its outcome
// and excluded from the second pick.
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
	m := b.Select(c.req, c.bag, nil)
	err := p.attempt(c, m)
	if err == nil {
		return
	}
	if isDialError(err) && c.clientCtx.Err() == nil && (body == nil || !body.read.Load()) {
		m2 := b.Select(c.req, c.bag, m.Endpoint)
		err = p.attempt(c, m2)
		if err == nil {
			return
		}
	}
	c.setError(err)
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
