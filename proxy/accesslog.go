package proxy

import (
	"net"
	"net/http"
	"net/netip"
	"strings"
	"time"

	"github.com/skiff-proxy/skiff/filters"
)

// auditHeader is the request header whose value the access log prints as
// the audit field (set by an audit filter, or passed on from upstream).
const auditHeader = "X-Unverified-Audit"

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
	e := AccessEntry{
		Start:        c.start,
		Duration:     time.Since(c.start),
		Status:       c.status,
		BytesWritten: c.written,
		RouteId:      c.RouteId(),
		ClientIP:     clientIP(c.req),
		Method:       method,
		URI:          uri,
		Proto:        proto,
		Host:         c.requestHost,
		Referer:      h.Get("Referer"),
		UserAgent:    h.Get("User-Agent"),
		Audit:        h.Get(auditHeader),
	}
	e.AuthUser, _ = c.bag[filters.AuthUser].(string)
	if e.FlowId, _ = c.bag[filters.FlowId].(string); e.FlowId == "" {
		e.FlowId = h.Get(filters.FlowIdHeader)
	}
	e.Additional, _ = c.bag[filters.AccessLogAdditional].(map[string]any)
	al.Log(e)
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
