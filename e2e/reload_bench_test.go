package e2e

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/sirupsen/logrus"

	"github.com/skiff-proxy/skiff"
)

// BenchmarkFileChangeToLive measures, through skiff.Run, the time from a
// routes file being replaced (written aside, renamed over) to the proxy
// answering with the changed route, at 100,000 routes. It reports p50 and
// p99 in milliseconds.
//
//	go test -run '^$' -bench FileChangeToLive -benchtime 50x ./e2e
func BenchmarkFileChangeToLive(b *testing.B) {
	const n, changed = 100_000, 50_000
	// One document whose changed route answers "v" and a fixed-width
	// version, patched in place so the benchmark makes no garbage of its own
	// that the proxy's garbage collector would then pay for.
	var sb strings.Builder
	for i := range n {
		content := "r"
		if i == changed {
			content = "v000000"
		}
		fmt.Fprintf(&sb, "r%d: Host(\"^svc%d[.]example[.]org$\") && PathSubtree(\"/api/v%d\") -> setRequestHeader(\"X-Route\", \"r%d\") -> inlineContent(\"%s\") -> <shunt>;\n",
			i, i, i%7, i, content)
	}
	doc := []byte(sb.String())
	at := strings.Index(sb.String(), "v000000")
	version := func(v int) string { return fmt.Sprintf("v%06d", v) }
	routes := func(v int) []byte {
		copy(doc[at:], version(v))
		return doc
	}
	dir := b.TempDir()
	path := filepath.Join(dir, "routes.eskip")
	if err := os.WriteFile(path, routes(0), 0o644); err != nil {
		b.Fatal(err)
	}
	ln, sln := listen(b), listen(b)
	log := logrus.New()
	log.SetOutput(io.Discard)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		done <- skiff.Run(ctx, skiff.Options{
			RoutesFiles: []string{path}, Listener: ln, SupportNetListener: sln,
			WaitFirstRouteLoad: true, WaitForHealthcheckInterval: -1,
			AccessLogDisabled: true, Log: log,
		})
	}()
	defer func() {
		cancel()
		if err := <-done; err != nil {
			b.Error(err)
		}
	}()

	client := &http.Client{Transport: &http.Transport{}, Timeout: 5 * time.Second}
	defer client.CloseIdleConnections()
	req, _ := http.NewRequest("GET", "http://"+ln.Addr().String()+fmt.Sprintf("/api/v%d/x", changed%7), nil)
	req.Host = fmt.Sprintf("svc%d.example.org", changed)
	body := func() string {
		rsp, err := client.Do(req)
		if err != nil {
			return ""
		}
		defer rsp.Body.Close()
		s, _ := io.ReadAll(rsp.Body)
		return string(s)
	}
	waitUntil := func(want string) {
		deadline := time.Now().Add(30 * time.Second)
		for body() != want {
			if time.Now().After(deadline) {
				b.Fatalf("route never answered %q", want)
			}
			// Poll often enough for sub-millisecond resolution without
			// taking a core from the proxy on a 2-core machine.
			time.Sleep(200 * time.Microsecond)
		}
	}
	waitUntil(version(0))

	lat := make([]time.Duration, 0, b.N)
	b.ResetTimer()
	for i := 1; i <= b.N; i++ {
		b.StopTimer()
		tmp := path + ".tmp"
		if err := os.WriteFile(tmp, routes(i), 0o644); err != nil {
			b.Fatal(err)
		}
		b.StartTimer()
		start := time.Now()
		if err := os.Rename(tmp, path); err != nil {
			b.Fatal(err)
		}
		waitUntil(version(i))
		lat = append(lat, time.Since(start))
	}
	b.StopTimer()
	sort.Slice(lat, func(i, j int) bool { return lat[i] < lat[j] })
	ms := func(q float64) float64 {
		return float64(lat[int(q*float64(len(lat)-1))].Microseconds()) / 1000
	}
	b.ReportMetric(ms(0.5), "p50-ms")
	b.ReportMetric(ms(0.99), "p99-ms")
}
