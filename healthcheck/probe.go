package healthcheck

import (
	"context"
	"crypto/tls"
	"errors"
	"io"
	"net"
	"net/http"
	"strings"
	"syscall"
	"time"

	"golang.org/x/net/http/httpguts"
)

// LameDuckHeader, with the value true on a 503 answer to a probe, says
// that the backend is going away and wants no new requests. A 503 with
// Connection: close says the same.
const LameDuckHeader = "X-Skiff-Lame-Duck"

const (
	// maxProbeBody is how much of a probe's response body is read, so
	// that the connection ends cleanly; the body itself means nothing.
	maxProbeBody = 4 << 10
	// maxProbeHeaderBytes bounds a probe's response head.
	maxProbeHeaderBytes = 64 << 10
	// probeUserAgent lets backends tell probes from requests.
	probeUserAgent = "skiff-health-probe"
)

// prober sends the active health probes. It has transports of its own, so
// probes neither take nor leave connections of the proxy's pools.
type prober struct {
	path    string
	timeout time.Duration
	std     *http.Transport // http and https, HTTP/1.1
	h2c     *http.Transport // h2c: HTTP/2 with prior knowledge
}

func newProber(c ActiveConfig) *prober {
	path := c.Path
	if !strings.HasPrefix(path, "/") {
		path = "/" + path // "healthz" would otherwise run into the port
	}
	d := &net.Dialer{Timeout: c.Timeout}
	var tlsCfg *tls.Config
	if c.TLS != nil {
		tlsCfg = c.TLS.Clone()
	}
	p := &prober{path: path, timeout: c.Timeout}
	// Keep-alive stays on so that a probe does not send Connection:
	// close: servers echo it, and a plain 503 could then not be told from
	// a lame duck's. closeIdle after every round makes each round dial
	// afresh anyway. No Proxy: the probe is about the endpoint, not about
	// an HTTP proxy named in the environment. A custom dialer leaves
	// HTTP/2 over TLS off, so Connection: close keeps its meaning.
	p.std = &http.Transport{
		DialContext:            d.DialContext,
		TLSClientConfig:        tlsCfg,
		TLSHandshakeTimeout:    c.Timeout,
		ResponseHeaderTimeout:  c.Timeout,
		MaxIdleConnsPerHost:    1,
		MaxResponseHeaderBytes: maxProbeHeaderBytes,
		DisableCompression:     true,
	}
	// As the proxy does: an h2c backend may speak nothing but HTTP/2.
	p.h2c = &http.Transport{
		DialContext:            d.DialContext,
		ResponseHeaderTimeout:  c.Timeout,
		MaxIdleConnsPerHost:    1,
		MaxResponseHeaderBytes: maxProbeHeaderBytes,
		DisableCompression:     true,
		Protocols:              new(http.Protocols),
	}
	p.h2c.Protocols.SetUnencryptedHTTP2(true)
	return p
}

// closeIdle closes the connections probes left open.
func (p *prober) closeIdle() {
	p.std.CloseIdleConnections()
	p.h2c.CloseIdleConnections()
}

// result is what one probe found. ok is false when it learnt nothing
// (the request could not be built): the state stays as it is.
type result struct {
	state  State
	reason string
	ok     bool
}

// probe checks e within the probe timeout with a GET of Path. Routing
// accepts only http, https and h2c endpoints.
func (p *prober) probe(ctx context.Context, e *Endpoint) result {
	ctx, cancel := context.WithTimeout(ctx, p.timeout)
	defer cancel()
	switch s := e.Scheme(); s {
	case "http", "https":
		return p.get(ctx, p.std, s, e.Address())
	case "h2c":
		return p.get(ctx, p.h2c, "http", e.Address())
	}
	return result{reason: "probe: no probe for scheme " + e.Scheme()}
}

func (p *prober) get(ctx context.Context, t http.RoundTripper, scheme, addr string) result {
	target := scheme + "://" + addr + p.path
	what := "probe GET " + target
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, target, nil)
	if err != nil {
		return result{reason: what + ": " + err.Error()}
	}
	req.Header.Set("User-Agent", probeUserAgent)
	// The transport itself, not a Client: redirects are answers too and
	// are not followed.
	rsp, err := t.RoundTrip(req)
	if err != nil {
		return p.failed(what, err)
	}
	defer func() {
		_, _ = io.Copy(io.Discard, io.LimitReader(rsp.Body, maxProbeBody))
		_ = rsp.Body.Close()
	}()
	return answered(what, rsp)
}

// answered maps an HTTP answer: a 503 that closes the connection or
// carries LameDuckHeader: true is a lame duck; any other answer, whatever
// its status, shows a live endpoint.
func answered(what string, rsp *http.Response) result {
	if rsp.StatusCode == http.StatusServiceUnavailable {
		if closes(rsp) {
			return result{state: LameDuck, reason: what + ": 503 with Connection: close", ok: true}
		}
		if strings.EqualFold(strings.TrimSpace(rsp.Header.Get(LameDuckHeader)), "true") {
			return result{state: LameDuck, reason: what + ": 503 with " + LameDuckHeader + ": true", ok: true}
		}
	}
	return result{state: Healthy, reason: what + ": " + rsp.Status, ok: true}
}

// closes reports a response with Connection: close. net/http takes the
// header out of an HTTP/1.1 response and sets Close instead; in HTTP/1.0
// Close is also set by the mere absence of keep-alive, so there the
// header itself is looked at (and is left in place).
func closes(rsp *http.Response) bool {
	if rsp.ProtoMajor == 1 && rsp.ProtoMinor >= 1 && rsp.Close {
		return true
	}
	return httpguts.HeaderValuesContainsToken(rsp.Header["Connection"], "close")
}

// failed maps a probe that got no answer: nothing listens there (refused,
// no route, the name does not resolve) is dead; no answer in time or any
// other failure is a lame duck, alive perhaps but not to be sent to.
func (p *prober) failed(what string, err error) result {
	s, why := LameDuck, err.Error()
	var dns *net.DNSError
	switch {
	case errors.Is(err, syscall.ECONNREFUSED):
		s, why = Dead, "connection refused"
	case errors.Is(err, syscall.EHOSTUNREACH):
		s, why = Dead, "no route to host"
	case errors.Is(err, syscall.ENETUNREACH):
		s, why = Dead, "network unreachable"
	case isTimeout(err):
		why = "no answer within " + p.timeout.String()
	case errors.As(err, &dns):
		s = Dead
	}
	return result{state: s, reason: what + ": " + why, ok: true}
}

// isTimeout reports a probe cut by its deadline; a DNS lookup that timed
// out counts too (a resolver in trouble, not a name that is gone).
func isTimeout(err error) bool {
	if errors.Is(err, context.DeadlineExceeded) {
		return true
	}
	var ne net.Error
	return errors.As(err, &ne) && ne.Timeout()
}
