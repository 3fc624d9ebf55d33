package proxy

import (
	"net"
	"net/http"
	"net/netip"
	"strings"
	"time"

	"github.com/skiff-proxy/skiff/filters"
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
	}
	e.AuthUser, _ = c.bag[filters.AuthUser].(string)
	e.Additional, _ = c.bag[filters.AccessLogAdditional].(map[string]any)
	al.Log(e)
}

// clientIP is the first X-Forwarded-For entry when it is an IP, else the
// remote address without port.
func clientIP(r *http.Request) string {
	if xff := r.Header["X-Forwarded-For"]; len(xff) > 0 {
		first, _, _ := strings.Cut(xff[0], ",")
		first = strings.TrimSpace(first)
		if _, err := netip.ParseAddr(first); err == nil {
			return first
		}
		if host, _, err := net.SplitHostPort(first); err == nil {
			if _, err := netip.ParseAddr(host); err == nil {
				return host
			}
		}
	}
	if host, _, err := net.SplitHostPort(r.RemoteAddr); err == nil {
		return host
	}
	return r.RemoteAddr
}
