package proxy

import (
	"testing"
)

// BenchmarkProxyLB is BenchmarkProxy's request path with a load-balanced
// route over four endpoints: the endpoint pick, the attempt reported to
// the endpoint, and the rest as for a network route ("network" is the
// same backend behind a plain route, for comparison).
func BenchmarkProxyLB(b *testing.B) {
	be := make([]string, 4)
	for i := range be {
		be[i] = cannedBackend(b)
	}
	for _, bc := range []struct {
		name, path string
	}{{"network", "/net"}, {"roundRobin", "/lb"}} {
		b.Run(bc.name, func(b *testing.B) {
			tbl := buildTable(b, netRoute("net", "/net", be[0]), lbRoute("lb", "/lb", be...))
			p := New(Options{Tables: staticTables{tbl}})
			defer p.Close()
			benchServe(b, p, bc.path)
		})
	}
}
