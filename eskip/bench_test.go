package eskip

import (
	"runtime"
	"strconv"
	"strings"
	"testing"
)

// benchDoc generates n routes like
// r42: Host("^svc42[.]example[.]org$") && PathSubtree("/api/v0") -> setRequestHeader("X-Route", "r42") -> "http://127.0.0.1:9001";
func benchDoc(n int) string {
	var b strings.Builder
	b.Grow(n * 140)
	for i := 0; i < n; i++ {
		id := "r" + strconv.Itoa(i)
		b.WriteString(id)
		b.WriteString(`: Host("^svc`)
		b.WriteString(strconv.Itoa(i))
		b.WriteString(`[.]example[.]org$") && PathSubtree("/api/v0") -> setRequestHeader("X-Route", "`)
		b.WriteString(id)
		b.WriteString(`") -> "http://127.0.0.1:9001";`)
		b.WriteByte('\n')
	}
	return b.String()
}

const benchRoutes = 100_000

func BenchmarkParse(b *testing.B) {
	doc := benchDoc(benchRoutes)
	b.SetBytes(int64(len(doc)))
	b.ReportAllocs()
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		routes, err := Parse(doc)
		if err != nil || len(routes) != benchRoutes {
			b.Fatalf("%d routes, %v", len(routes), err)
		}
	}
	b.StopTimer()
	runtime.ReadMemStats(&after)
	perRoute := float64(after.Mallocs-before.Mallocs) / float64(b.N*benchRoutes)
	b.ReportMetric(perRoute, "allocs/route")
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*benchRoutes), "ns/route")
}

func BenchmarkParseDocument(b *testing.B) {
	doc := []byte(benchDoc(benchRoutes))
	b.SetBytes(int64(len(doc)))
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, err := ParseDocument("bench.eskip", doc); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkString(b *testing.B) {
	routes, err := Parse(benchDoc(10_000))
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		_ = String(routes...)
	}
}

func TestBenchDocSize(t *testing.T) {
	doc := benchDoc(benchRoutes)
	if len(doc) < 13_000_000 || len(doc) > 14_500_000 {
		t.Fatalf("benchmark document is %d bytes, want about 13.8 MB", len(doc))
	}
	routes, err := Parse(doc)
	if err != nil || len(routes) != benchRoutes {
		t.Fatalf("%d routes, %v", len(routes), err)
	}
	r := routes[42]
	if r.Id != "r42" || len(r.HostRegexps) != 1 || r.HostRegexps[0] != `^svc42[.]example[.]org$` ||
		len(r.Predicates) != 1 || len(r.Filters) != 1 || r.Backend != "http://127.0.0.1:9001" {
		t.Fatalf("unexpected route %s", String(r))
	}
}
