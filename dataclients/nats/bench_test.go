package nats

import (
	"fmt"
	"runtime"
	"testing"
	"time"

	"github.com/skiff-proxy/skiff/dataclients"
	"github.com/skiff-proxy/skiff/dataclients/nats/registration"
	"github.com/skiff-proxy/skiff/dataclients/nats/transport"
)

// Sizes of the benchmark table: a large foundation's 10,000 routes with
// 10 instances each.
const (
	benchPools     = 10000
	benchEndpoints = 10 // per pool
)

func guid(kind, n int) string {
	return fmt.Sprintf("%08x-%04x-4%03x-8%03x-%012x", n*7919+kind, kind, n%4096, (n/4096)%4096, n*104729)
}

// benchPayloads are the registrations of every endpoint of the benchmark
// table, as route-emitter sends them (the shape of
// registration.routeEmitterPayload: a TLS endpoint with its plain port,
// one route, the emitter's tags), in one backing array.
func benchPayloads() [][]byte {
	var buf []byte
	ends := make([]int, 0, benchPools*benchEndpoints)
	for i := range benchPools {
		app, space, org := guid(1, i), guid(2, i%300), guid(3, i%40)
		for j := range benchEndpoints {
			k := i*benchEndpoints + j
			cell := k % 2000
			inst := guid(4, k)
			buf = fmt.Appendf(buf, `{"host":"10.0.%d.%d","port":%d,"tls_port":%d,`+
				`"uris":["app-%d.apps.example.com"],"app":"%s",`+
				`"private_instance_id":"%s","private_instance_index":"%d",`+
				`"server_cert_domain_san":"%s","route_service_url":"",`+
				`"isolation_segment":"","availability_zone":"z%d","endpoint_updated_at_ns":%d,`+
				`"protocol":"http1","stale_threshold_in_seconds":120,"options":{"loadbalancing":"round-robin"},`+
				`"tags":{"app_id":"%s","app_name":"app-%d","component":"route-emitter",`+
				`"instance_id":"%d","organization_id":"%s","organization_name":"org-%d",`+
				`"process_id":"%s","process_instance_id":"%s",`+
				`"process_type":"web","source_id":"%s",`+
				`"space_id":"%s","space_name":"space-%d"}}`,
				cell/250, cell%250+1, 61000+2*(k/2000), 61001+2*(k/2000),
				i, app, inst, j, inst, cell%3+1, 1731580800123456789+int64(k),
				app, i, j, org, i%40, app, inst, app, space, i%300)
			ends = append(ends, len(buf))
		}
	}
	out := make([][]byte, len(ends))
	start := 0
	for n, end := range ends {
		out[n] = buf[start:end:end]
		start = end
	}
	return out
}

// BenchmarkRefresh is the steady state of a NATS-fed router: every
// endpoint re-registers (every 20s with route-emitter), and nothing
// changes. One op is one message through handle, decode included, into
// a table of 10,000 pools × 10 endpoints. core-% is the share of one core
// that 5,000 such messages a second take.
func BenchmarkRefresh(b *testing.B) {
	payloads := benchPayloads()
	for _, bc := range []struct {
		name string
		o    Options
	}{
		{"damping", Options{}},
		{"nodamping", Options{NoDamping: true}},
	} {
		b.Run(bc.name, func(b *testing.B) {
			c, clk := newTestClient(b, bc.o)
			for _, p := range payloads {
				c.handle(transport.Message{Subject: transport.SubjectRegister, Data: p})
			}
			if len(c.table.pools) != benchPools {
				b.Fatalf("%d pools, want %d", len(c.table.pools), benchPools)
			}
			for _, p := range c.table.pools {
				if len(p.eps) != benchEndpoints {
					b.Fatalf("pool %s has %d endpoints", p.key, len(p.eps))
				}
			}
			out := make(chan dataclients.Update, 1)
			_ = c.send(b.Context(), out)
			<-out
			clk.Add(time.Second)
			msgs := make([]transport.Message, len(payloads))
			for i, p := range payloads {
				msgs[i] = transport.Message{Subject: transport.SubjectRegister, Data: p}
			}

			runtime.GC()
			var before, after runtime.MemStats
			runtime.ReadMemStats(&before)
			b.ReportAllocs()
			b.ResetTimer()
			n := 0
			for b.Loop() {
				c.handle(msgs[n%len(msgs)])
				n++
			}
			b.StopTimer()
			runtime.ReadMemStats(&after)

			c.mu.Lock()
			dirty := len(c.dirty)
			c.mu.Unlock()
			if dirty != 0 {
				b.Fatalf("refreshes marked %d pools dirty", dirty)
			}
			if n > 0 {
				ns := float64(b.Elapsed().Nanoseconds()) / float64(n)
				b.ReportMetric(ns, "ns/msg")
				b.ReportMetric(float64(after.Mallocs-before.Mallocs)/float64(n), "allocs/msg")
				b.ReportMetric(ns*5000/1e9*100, "core-%")
			}
		})
	}
}

// benchTable is a table of 10,000 pools: app-i.apps.example.com, every
// tenth with a context path /api as a pool of its own, and 100 wildcard
// hosts *.wild-k.example.com with a path pool /api each.
func benchTable() *table {
	tb := newTable(RoundRobin, DefaultStaleThreshold, 0)
	ch := changes{}
	add := func(uri string, n int) {
		m := registration.Message{Host: fmt.Sprintf("10.1.%d.%d", n/250, n%250+1), Port: 8080, URIs: []string{uri}}
		addr, tls := m.Address()
		key, cp := registration.RouteKey(uri)
		tb.register(key, cp, &m, addr, tls, t0, ch)
	}
	n := 0
	for i := 0; n < benchPools-200; i++ {
		add(fmt.Sprintf("app-%d.apps.example.com", i), n)
		n++
		if i%10 == 0 {
			add(fmt.Sprintf("app-%d.apps.example.com/api", i), n)
			n++
		}
	}
	for k := range 100 {
		add(fmt.Sprintf("*.wild-%d.example.com", k), n)
		add(fmt.Sprintf("*.wild-%d.example.com/api", k), n+1)
		n += 2
	}
	if len(tb.pools) != benchPools {
		panic(fmt.Sprintf("%d pools", len(tb.pools)))
	}
	return tb
}

type benchReq struct {
	host, path, want string
}

func benchLookupCases() map[string][]benchReq {
	cases := map[string][]benchReq{}
	for i := range 64 {
		a := i * 131 % 9000
		cases["exact"] = append(cases["exact"], benchReq{fmt.Sprintf("app-%d.apps.example.com", a), "/", fmt.Sprintf("app-%d.apps.example.com", a)})
		p := i * 10 % 9000
		cases["path"] = append(cases["path"], benchReq{fmt.Sprintf("APP-%d.apps.example.com:443", p), "/api/v1/users/42?x=1", fmt.Sprintf("app-%d.apps.example.com/api", p)})
		cases["path-miss-to-host"] = append(cases["path-miss-to-host"], benchReq{fmt.Sprintf("app-%d.apps.example.com", p+1), "/api/v1/users/42", fmt.Sprintf("app-%d.apps.example.com", p+1)})
		w := i % 100
		cases["wildcard"] = append(cases["wildcard"], benchReq{fmt.Sprintf("x%d.wild-%d.example.com", i, w), "/static/app.js", fmt.Sprintf("*.wild-%d.example.com", w)})
		cases["wildcard-deep"] = append(cases["wildcard-deep"], benchReq{fmt.Sprintf("a.b%d.wild-%d.example.com", i, w), "/api/x", fmt.Sprintf("*.wild-%d.example.com/api", w)})
		cases["miss"] = append(cases["miss"], benchReq{fmt.Sprintf("nothing-%d.example.org", i), "/api/x", ""})
	}
	return cases
}

var benchCaseOrder = []string{"exact", "path", "path-miss-to-host", "wildcard", "wildcard-deep", "miss"}

// BenchmarkLookup is gorouter's lookup (spec §5) in a table of 10,000
// pools; it runs for every request and allocates nothing.
func BenchmarkLookup(b *testing.B) {
	tb := benchTable()
	cases := benchLookupCases()
	for _, name := range benchCaseOrder {
		reqs := cases[name]
		for _, r := range reqs {
			got := ""
			if p := tb.lookup(r.host, r.path); p != nil {
				got = p.key
			}
			if got != r.want {
				b.Fatalf("lookup(%q, %q) = %q, want %q", r.host, r.path, got, r.want)
			}
		}
		b.Run(name, func(b *testing.B) {
			b.ReportAllocs()
			n := 0
			for b.Loop() {
				r := &reqs[n%len(reqs)]
				tb.lookup(r.host, r.path)
				n++
			}
		})
	}
}
