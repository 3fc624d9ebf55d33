package proxy

import (
	"io"
	"net"
	"net/http"
	"net/netip"
	"strings"
	"sync/atomic"
	"time"

	"github.com/skiff-proxy/skiff/filters"
)

// auditHeader is the request header whose value the access log prints as
// the audit field (set by an audit filter, or passed on from upstream).
const auditHeader = "X-Unverified-Audit"

// Headers the gorouter access log format prints.
const (
	requestIDHeader   = "X-Vcap-Request-Id"
	routerErrorHeader = "X-Cf-Routererror"
)

// accessLog reports the finished request, unless the route's filters
// switched the log off for it (or, with Options.AccessLogDisabled, did not
// switch it on).
func (p *Proxy) accessLog(c *reqCtx, uri, method, proto string) {
	al := p.opts.AccessLog
	if al == nil {
		return
	}
	enabled := !p.opts.AccessLogDisabled
	if v, ok := c.bag[filters.AccessLogEnabled]; ok {
		switch s := v.(type) {
		case bool:
			enabled = s
		case AccessLogSwitch:
			enabled = s.AccessLogEnabled(c.status)
		}
	}
	if !enabled {
		return
	}
	h := c.req.Header
	// Header fields come from the request as sent to the backend, or as
	// received when it reached none (before filters changed it).
	get := h.Get
	if c.backendAddr == "" && c.orig.kept {
		get = c.orig.header.get
	}
	e := AccessEntry{
		Start:           c.start,
		Duration:        time.Since(c.start),
		Status:          c.status,
		BytesWritten:    c.written,
		RouteId:         c.RouteId(),
		ClientIP:        clientIP(c.req),
		Method:          method,
		URI:             uri,
		Proto:           proto,
		Host:            c.requestHost,
		Referer:         get("Referer"),
		UserAgent:       get("User-Agent"),
		Audit:           h.Get(auditHeader),
		RemoteAddr:      c.req.RemoteAddr,
		Backend:         c.backendAddr,
		BackendDuration: c.backendTime,
		ForwardedFor:    get("X-Forwarded-For"),
		ForwardedProto:  get("X-Forwarded-Proto"),
		RequestID:       get(requestIDHeader),
	}
	if c.bodyRead != nil {
		e.BytesRead = c.bodyRead.n.Load()
	}
	if c.resp != nil {
		e.RouterError = c.resp.Header.Get(routerErrorHeader)
	}
	e.AuthUser, _ = c.bag[filters.AuthUser].(string)
	if e.FlowId, _ = c.bag[filters.FlowId].(string); e.FlowId == "" {
		e.FlowId = h.Get(filters.FlowIdHeader)
	}
	e.Additional, _ = c.bag[filters.AccessLogAdditional].(map[string]any)
	al.Log(e)
}

// countingBody counts the request body bytes read. It is allocated per
// request: a transport may read the body after the request ended.
type countingBody struct {
	rc io.ReadCloser
	n  atomic.Int64
}

func (b *countingBody) Read(p []byte) (int, error) {
	n, err := b.rc.Read(p)
	b.n.Add(int64(n))
	return n, err
}

func (b *countingBody) Close() error { return b.rc.Close() }

// get is the first value of the canonical header name, like
// http.Header.Get.
func (hc *headerCopy) get(name string) string {
	for i, k := range hc.names {
		if k != name {
			continue
		}
		start := 0
		if i > 0 {
			start = hc.ends[i-1]
		}
		if start < hc.ends[i] {
			return hc.vals[start]
		}
		return ""
	}
	return ""
}

// clientIP is every valid address of X-Forwarded-For (all header lines, in
// order) joined with ", ", else the remote address without port. Entries
// that are not IP addresses are left out; a port after an address is
// dropped.
func clientIP(r *http.Request) string {
	if xff := r.Header["X-Forwarded-For"]; len(xff) > 0 {
		if ips := forwardedIPs(xff); ips != "" {
			return ips
		}
	}
	if host, _, err := net.SplitHostPort(r.RemoteAddr); err == nil {
		return host
	}
	return r.RemoteAddr
}

// forwardedIPs joins the valid addresses of the X-Forwarded-For lines. A
// single line already in that form is returned as it is, without an
// allocation.
func forwardedIPs(lines []string) string {
	var buf [128]byte
	b := buf[:0]
	for _, line := range lines {
		for part := range strings.SplitSeq(line, ",") {
			ip := validIP(strings.TrimSpace(part))
			if ip == "" {
				continue
			}
			if len(b) > 0 {
				b = append(b, ", "...)
			}
			b = append(b, ip...)
		}
	}
	if len(lines) == 1 && string(b) == lines[0] {
		return lines[0]
	}
	return string(b)
}

// validIP returns s, or the host part of s with a port, when that is an IP
// address; else "".
func validIP(s string) string {
	if _, err := netip.ParseAddr(s); err == nil {
		return s
	}
	if host, _, err := net.SplitHostPort(s); err == nil {
		if _, err := netip.ParseAddr(host); err == nil {
			return host
		}
	}
	return ""
}
