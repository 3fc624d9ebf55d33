package proxy

import (
	"context"
	"crypto/tls"
	"net"
	"net/http"
	"sync"
	"time"

	"github.com/sirupsen/logrus"

	"github.com/skiff-proxy/skiff/eskip"
	"github.com/skiff-proxy/skiff/proxy/internal/bufpool"
	"github.com/skiff-proxy/skiff/proxy/internal/h1"
)

const (
	routeNetwork = eskip.NetworkBackend
	routeShunt   = eskip.ShuntBackend
	routeLoop    = eskip.LoopBackend
	routeDynamic = eskip.DynamicBackend
	routeLB      = eskip.LBBackend
	routeForward = eskip.ForwardBackend
)

// Proxy is the skiff request handler. Create it with New; Close it to
// release backend connections and stop its goroutines.
type Proxy struct {
	opts    Options
	tables  TableSource
	log     logrus.FieldLogger
	bufPool *bufpool.Pool
	ctxPool sync.Pool

	custom http.RoundTripper // Options.Transport
	h1     *h1.Client        // plain http backends
	std    *http.Transport   // https, Expect: 100-continue
	h2c    *http.Transport   // h2c:// backends (HTTP/2 prior knowledge only)
	// viaProxy sends the requests of routes whose backend is an HTTP
	// proxy (filters.BackendIsProxy) to the proxy in the request's
	// context (proxyURLKey): absolute form, CONNECT for https targets.
	viaProxy *http.Transport
	tlsCfg   *tls.Config // for upgrade dials to https backends
	named    tlsNames    // https endpoints verified against a given name

	panics panicLimiter

	mu       sync.Mutex
	upgrades map[*upgradeConn]struct{} // hijacked connections, closed by Close
	// upgradesGone is closed when the last upgraded connection ends
	// while WaitUpgrades waits for it.
	upgradesGone chan struct{}
	closed       bool
	quit         chan struct{}
	wg           sync.WaitGroup
}

// New returns a Proxy serving with o.Tables. It starts one goroutine that
// periodically closes idle backend connections; Close stops it.
func New(o Options) *Proxy {
	o = o.withDefaults()
	p := &Proxy{
		opts:     o,
		tables:   o.Tables,
		log:      o.Log,
		bufPool:  bufpool.New(),
		custom:   o.Transport,
		upgrades: make(map[*upgradeConn]struct{}),
		quit:     make(chan struct{}),
	}
	p.ctxPool.New = func() any { return &reqCtx{proxy: p, bag: make(map[string]any)} }
	t := o.Timeouts

	p.h1 = h1.NewClient(h1.Config{
		DialTimeout:           t.Dial,
		KeepAlive:             t.KeepAlive,
		ResponseHeaderTimeout: t.ResponseHeader,
		ReadIdleTimeout:       t.ReadIdle,
		IdleConnTimeout:       t.IdleConn,
		MaxIdlePerHost:        o.MaxIdleConnsPerHost,
		MaxIdle:               max(o.MaxIdleConns, 0),
		DisableKeepAlives:     o.DisableKeepAlives,
		Buffers:               p.bufPool,
	})

	var tlsCfg *tls.Config
	if o.ClientTLS != nil {
		tlsCfg = o.ClientTLS.Clone()
	} else {
		tlsCfg = &tls.Config{}
	}
	if o.Insecure {
		tlsCfg.InsecureSkipVerify = true
	}
	p.tlsCfg = tlsCfg
	dialer := &net.Dialer{Timeout: t.Dial, KeepAlive: t.KeepAlive}
	idlePerHost := o.MaxIdleConnsPerHost
	if idlePerHost < 0 {
		idlePerHost = 0
	}
	p.std = &http.Transport{
		DialContext:            dialer.DialContext,
		TLSClientConfig:        tlsCfg.Clone(),
		TLSHandshakeTimeout:    t.TLSHandshake,
		ResponseHeaderTimeout:  t.ResponseHeader,
		ExpectContinueTimeout:  t.ExpectContinue,
		MaxResponseHeaderBytes: h1.MaxResponseHeaderBytes,
		IdleConnTimeout:        t.IdleConn,
		MaxIdleConnsPerHost:    idlePerHost,
		MaxIdleConns:           max(o.MaxIdleConns, 0),
		DisableKeepAlives:      o.DisableKeepAlives || o.MaxIdleConnsPerHost < 0,
		DisableCompression:     true,
		ForceAttemptHTTP2:      !o.BackendHTTP1Only,
	}
	p.named.base = p.std
	p.viaProxy = p.std.Clone()
	p.viaProxy.Proxy = proxyFromContext
	if o.BackendHTTP1Only {
		p.std.TLSNextProto = map[string]func(string, *tls.Conn) http.RoundTripper{}
	}
	// net/http's transport speaks HTTP/2 with prior knowledge itself; unlike
	// golang.org/x/net/http2.Transport on its own, it applies the
	// response-header timeout and header size bound to h2c backends too.
	p.h2c = &http.Transport{
		DialContext:            dialer.DialContext,
		ResponseHeaderTimeout:  t.ResponseHeader,
		IdleConnTimeout:        t.IdleConn,
		MaxIdleConns:           max(o.MaxIdleConns, 0),
		MaxResponseHeaderBytes: h1.MaxResponseHeaderBytes,
		DisableCompression:     true,
		Protocols:              new(http.Protocols),
	}
	p.h2c.Protocols.SetUnencryptedHTTP2(true)

	if t.IdleConn > 0 {
		p.wg.Add(1)
		go p.closeIdleLoop(t.IdleConn)
	}
	return p
}

// closeIdleLoop closes all idle backend connections every period, so
// that backends whose DNS name moved are re-resolved.
func (p *Proxy) closeIdleLoop(period time.Duration) {
	defer p.wg.Done()
	tk := time.NewTicker(period)
	defer tk.Stop()
	for {
		select {
		case <-p.quit:
			return
		case <-tk.C:
			p.h1.CloseIdle()
			p.std.CloseIdleConnections()
			p.viaProxy.CloseIdleConnections()
			p.h2c.CloseIdleConnections()
			p.named.sweep()
		}
	}
}

// Close closes idle backend connections and hijacked (upgraded)
// connections, and stops the proxy's goroutines. Requests in flight finish
// on their own connections, which are closed when they end.
func (p *Proxy) Close() error {
	p.mu.Lock()
	if p.closed {
		p.mu.Unlock()
		return nil
	}
	p.closed = true
	close(p.quit)
	ups := make([]*upgradeConn, 0, len(p.upgrades))
	for u := range p.upgrades {
		ups = append(ups, u)
	}
	p.mu.Unlock()
	for _, u := range ups {
		u.close()
	}
	p.wg.Wait()
	p.h1.Close()
	p.std.CloseIdleConnections()
	p.viaProxy.CloseIdleConnections()
	p.h2c.CloseIdleConnections()
	p.named.sweep()
	p.named.sweep() // the second forgets every name, used or not
	return nil
}

// WaitUpgrades waits until no upgraded (WebSocket) connection is left or
// ctx is done. Graceful shutdown calls it after the listener stopped, so
// that relays get the same grace as requests in flight before Close cuts
// them; it returns ctx's error when some were still open.
func (p *Proxy) WaitUpgrades(ctx context.Context) error {
	for {
		p.mu.Lock()
		if len(p.upgrades) == 0 {
			p.mu.Unlock()
			return nil
		}
		if p.upgradesGone == nil {
			p.upgradesGone = make(chan struct{})
		}
		gone := p.upgradesGone
		p.mu.Unlock()
		select {
		case <-gone:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
}

// Upgrades is the number of upgraded connections being relayed.
func (p *Proxy) Upgrades() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return len(p.upgrades)
}

func (p *Proxy) getCtx() *reqCtx { return p.ctxPool.Get().(*reqCtx) }

func (p *Proxy) putCtx(c *reqCtx) {
	c.reset()
	p.ctxPool.Put(c)
}
