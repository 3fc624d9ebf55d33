package metrics

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/skiff-proxy/skiff/healthcheck"
)

// BenchmarkRouteCounts reads the counts of 10,000 routes that all served
// requests, as the dashboard does every second.
func BenchmarkRouteCounts(b *testing.B) {
	r := New(Options{NoRuntime: true})
	var doc strings.Builder
	for i := range DefaultMaxRoutes {
		fmt.Fprintf(&doc, "r%d: Path(\"/r%d\") -> <shunt>;\n", i, i)
	}
	tbl := build(b, r, healthcheck.New(healthcheck.Config{}), doc.String())
	r.WatchRouting(fixedTables{tbl}, nil)
	for _, rt := range tbl.Routes() {
		rt.Metrics.Served("GET", 200, time.Millisecond)
	}
	b.ReportAllocs()
	for b.Loop() {
		if len(r.RouteCounts()) != DefaultMaxRoutes+2 {
			b.Fatal("routes missing")
		}
	}
}

// BenchmarkServed is what a request costs with metrics on: its route's
// counter and latency histogram, and one backend round trip.
func BenchmarkServed(b *testing.B) {
	r := New(Options{NoRuntime: true})
	tbl := build(b, r, healthcheck.New(healthcheck.Config{}), `a: * -> <shunt>;`)
	m := tbl.Routes()[0].Metrics
	b.ReportAllocs()
	for b.Loop() {
		m.Served("GET", 200, 3*time.Millisecond)
		m.RoundTrip(2*time.Millisecond, 0)
	}
}

// BenchmarkCustom is what a filter's own metric costs on the request path
// (admissionControl counts every request): a counter, and a time, of a key
// that has its series, from every core at once.
func BenchmarkCustom(b *testing.B) {
	m := New(Options{NoRuntime: true}).Custom()
	m.IncCounter("shedder.admission_control.total.app")
	start := time.Now()
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			m.IncCounter("shedder.admission_control.total.app")
			m.MeasureSince("filter.time", start)
		}
	})
}

// BenchmarkCustomOverLimit: keys past MaxCustomKeys share key="other",
// found without a lock as well.
func BenchmarkCustomOverLimit(b *testing.B) {
	m := New(Options{NoRuntime: true}).Custom()
	for i := range MaxCustomKeys {
		m.IncCounter(fmt.Sprint("k", i))
	}
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			m.IncCounter("past.the.limit")
		}
	})
}
