package eskip

import (
	"strconv"
	"strings"
	"testing"
)

// startupDoc is bench/startup.sh's routes file: n routes like
// r42: Host("^h42[.]example[.]org$") && Path("/p42") -> inlineContent("ok") -> <shunt>;
func startupDoc(n int) []byte {
	var b strings.Builder
	b.Grow(n * 96)
	for i := 0; i < n; i++ {
		s := strconv.Itoa(i)
		b.WriteString("r" + s + `: Host("^h` + s + `[.]example[.]org$") && Path("/p` + s + `") -> inlineContent("ok") -> <shunt>;` + "\n")
	}
	return []byte(b.String())
}

// BenchmarkParseStartup parses a 100,000-route file as the binary does at
// startup (ParseDocument, positions kept).
func BenchmarkParseStartup(b *testing.B) {
	doc := startupDoc(benchRoutes)
	b.SetBytes(int64(len(doc)))
	b.ReportAllocs()
	for b.Loop() {
		routes, err := ParseDocument("routes.eskip", doc)
		if err != nil || len(routes) != benchRoutes {
			b.Fatalf("%d routes, %v", len(routes), err)
		}
	}
}
