package proxy

import (
	"bufio"
	"context"
	"crypto/tls"
	"errors"
	"io"
	"net"
	"net/http"
	"net/textproto"
	"strings"
	"sync"
	"time"

	"github.com/skiff-proxy/skiff/filters"
	"github.com/skiff-proxy/skiff/proxy/internal/h1"
)

// upgradeConn is one hijacked client connection and its backend
// connection, copied both ways until either side stops.
type upgradeConn struct {
	client, backend net.Conn
	once            sync.Once
}

func (u *upgradeConn) close() {
	u.once.Do(func() {
		_ = u.client.Close()
		_ = u.backend.Close()
	})
}

// serveUpgrade forwards a protocol-switch request (WebSocket...). The
// backend's answer other than 101 goes to the client as a normal response
// (without response filters); a 101 hands both connections to a byte
// relay that ends when either side closes.
func (p *Proxy) serveUpgrade(c *reqCtx, scheme, host string) error {
	r := c.req
	ctx := r.Context()
	if d := p.opts.Timeouts.UpgradeDial; d > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, d)
		defer cancel()
	}
	d := net.Dialer{KeepAlive: p.opts.Timeouts.KeepAlive}
	nc, err := d.DialContext(ctx, "tcp", host)
	if err != nil {
		return &proxyError{status: http.StatusServiceUnavailable, err: &h1.DialError{Err: err}}
	}
	switch scheme {
	case "http", "ws", "h2c":
	case "https", "wss":
		cfg := p.tlsCfg.Clone()
		if name, _ := c.bag[filters.BackendTLSName].(string); name != "" {
			cfg.ServerName = name
		} else if cfg.ServerName == "" {
			cfg.ServerName, _, _ = net.SplitHostPort(host)
		}
		cfg.NextProtos = []string{"http/1.1"}
		tc := tls.Client(nc, cfg)
		if err := tc.HandshakeContext(ctx); err != nil {
			_ = nc.Close()
			return &proxyError{status: http.StatusServiceUnavailable, err: &h1.DialError{Err: err}}
		}
		nc = tc
	default:
		_ = nc.Close()
		return &proxyError{status: http.StatusInternalServerError, err: errUnknownScheme}
	}

	r.URL.Scheme, r.URL.Host = "http", host
	absolutePath(r.URL)
	r.Host = c.outHost
	if r.Host == "" {
		r.Host = stripDefaultPort(scheme, host)
	}
	if !p.opts.KeepHopHeaders {
		removeUpgradeHopHeaders(r.Header)
	}
	up := r.Header["Upgrade"]
	// The backend's answer gets the same time and size bounds as any
	// response header; the relay after a 101 has neither. The deadline is
	// set before the interrupt below can set one in the past.
	if t := p.opts.Timeouts.ResponseHeader; t > 0 {
		_ = nc.SetDeadline(time.Now().Add(t))
	}
	// Stop the dial context from cutting the relay: only the client going
	// away before the switch should abort the handshake.
	stop := context.AfterFunc(r.Context(), func() { _ = nc.SetDeadline(aLongTimeAgo) })
	lr := h1.NewHeaderLimitReader(nc)
	bw := bufio.NewWriter(nc)
	buf := p.bufPool.Get()
	err = h1.WriteRequest(bw, r, *buf)
	p.bufPool.Put(buf)
	var rsp *http.Response
	br := bufio.NewReader(lr)
	if err == nil {
		lr.RecordHeader(br)
		rsp, err = http.ReadResponse(br, r)
	}
	raw := lr.StopRecording()
	if err == nil {
		// As strict as every other backend answer: an invalid field line
		// is a 502, not something net/http's parser skips.
		if herr := h1.CheckHeaderBlock(raw); herr != nil {
			_ = rsp.Body.Close()
			err = &h1.BadResponseError{Err: herr}
		}
	}
	if !stop() || err != nil {
		_ = nc.Close()
		switch {
		case err == nil:
			err = context.Canceled
		case r.Context().Err() == nil:
			err = h1.BadResponse(err)
		}
		return err
	}
	lr.LiftLimit()
	_ = nc.SetDeadline(time.Time{})
	c.noRespFilt = true
	if rsp.StatusCode != http.StatusSwitchingProtocols {
		if !p.opts.KeepHopHeaders {
			h1.RestoreConnection(rsp.Header, raw)
			removeHopHeaders(rsp.Header)
		}
		rsp.Body = &closeWith{ReadCloser: rsp.Body, c: nc}
		c.resp = rsp
		return nil
	}

	if !upgradeOffered(up, rsp.Header.Get("Upgrade")) {
		_ = nc.Close()
		return &h1.BadResponseError{Err: errUpgradeMismatch}
	}

	client, cbuf, err := http.NewResponseController(c.w).Hijack()
	if err != nil {
		_ = nc.Close()
		return &proxyError{status: http.StatusInternalServerError, err: err}
	}
	c.hijacked = true
	c.status = http.StatusSwitchingProtocols
	// A connection guard that checks the framing of every HTTP/1.1
	// request must stop: from here on the bytes are the new protocol's.
	if g, ok := client.(interface{ Passthrough() }); ok {
		g.Passthrough()
	}
	// The server's read/write timeouts stay on a hijacked connection; a
	// relay lives as long as its two ends want.
	_ = client.SetDeadline(time.Time{})
	u := &upgradeConn{client: client, backend: nc}
	p.mu.Lock()
	if p.closed {
		p.mu.Unlock()
		u.close()
		return nil
	}
	p.upgrades[u] = struct{}{}
	p.mu.Unlock()
	defer func() {
		u.close()
		p.mu.Lock()
		delete(p.upgrades, u)
		if len(p.upgrades) == 0 && p.upgradesGone != nil {
			close(p.upgradesGone)
			p.upgradesGone = nil
		}
		p.mu.Unlock()
	}()

	if err := rsp.Write(cbuf.Writer); err != nil {
		return nil
	}
	if err := cbuf.Writer.Flush(); err != nil {
		return nil
	}
	// The relay may last for hours and needs nothing from the routing
	// table: let the table generation go now so it can be closed.
	c.releaseTable()
	p.relay(u, cbuf.Reader, br)
	return nil
}

// aLongTimeAgo is a deadline in the past: setting it unblocks pending I/O.
var aLongTimeAgo = time.Unix(1, 0)

var errUpgradeMismatch = errors.New("backend switched to a protocol the client did not offer")

// upgradeOffered reports whether proto is one of the protocols of the
// request's Upgrade header lines (comma-separated, each maybe with a
// version: "websocket", "h2c, foo/2").
func upgradeOffered(offered []string, proto string) bool {
	proto = textproto.TrimString(proto)
	if proto == "" {
		return false
	}
	for _, v := range offered {
		for v != "" {
			var tok string
			tok, v, _ = strings.Cut(v, ",")
			if strings.EqualFold(textproto.TrimString(tok), proto) {
				return true
			}
		}
	}
	return false
}

// relay copies client→backend on a second goroutine and backend→client on
// the calling one; when either direction ends both connections are closed,
// which ends the other, and relay returns only after both stopped.
func (p *Proxy) relay(u *upgradeConn, fromClient, fromBackend *bufio.Reader) {
	done := make(chan struct{})
	go func() {
		defer close(done)
		p.copyConn(u.backend, fromClient)
		u.close()
	}()
	p.copyConn(u.client, fromBackend)
	u.close()
	<-done
}

func (p *Proxy) copyConn(dst net.Conn, src *bufio.Reader) {
	buf := p.bufPool.Get()
	_, _ = io.CopyBuffer(writerOnly{dst}, src, *buf)
	p.bufPool.Put(buf)
}

// writerOnly hides ReadFrom so that CopyBuffer uses the pooled buffer.
type writerOnly struct{ io.Writer }

// closeWith closes the backend connection of a non-101 upgrade answer
// together with its body.
type closeWith struct {
	io.ReadCloser
	c net.Conn
}

func (b *closeWith) Close() error {
	err := b.ReadCloser.Close()
	_ = b.c.Close()
	return err
}
