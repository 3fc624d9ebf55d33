package skiff

import (
	"github.com/skiff-proxy/skiff/accesslog"
	"github.com/skiff-proxy/skiff/proxy"
)

// accessLog adapts the access log writer to the proxy's hook. The two
// entry types have the same fields, so the conversion stops compiling
// when one of them gains a field the other lacks, instead of dropping it.
type accessLog struct{ l *accesslog.Logger }

func (a accessLog) Log(e proxy.AccessEntry) { a.l.Log(accesslog.Entry(e)) }
