package skiff

import (
	"github.com/skiff-proxy/skiff/accesslog"
	"github.com/skiff-proxy/skiff/proxy"
)

// accessLog adapts the access log writer to the proxy's hook.
type accessLog struct{ l *accesslog.Logger }

func (a accessLog) Log(e proxy.AccessEntry) {
	a.l.Log(accesslog.Entry{
		Start:        e.Start,
		Duration:     e.Duration,
		Status:       e.Status,
		BytesWritten: e.BytesWritten,
		RouteId:      e.RouteId,
		ClientIP:     e.ClientIP,
		Method:       e.Method,
		URI:          e.URI,
		Proto:        e.Proto,
		Host:         e.Host,
		Referer:      e.Referer,
		UserAgent:    e.UserAgent,
		AuthUser:     e.AuthUser,
		FlowId:       e.FlowId,
		Audit:        e.Audit,
		Additional:   e.Additional,
	})
}
