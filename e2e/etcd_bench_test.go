package e2e

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"runtime"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/sirupsen/logrus"
	clientv3 "go.etcd.io/etcd/client/v3"

	"github.com/skiff-proxy/skiff"
	"github.com/skiff-proxy/skiff/dataclients"
	"github.com/skiff-proxy/skiff/dataclients/etcd"
	"github.com/skiff-proxy/skiff/dataclients/etcd/etcdtest"
)

// benchRoute is route i of the 100,000-route benchmarks, as an eskip
// expression without id.
func benchRoute(i int, content string) string {
	return fmt.Sprintf(`Host("^svc%d[.]example[.]org$") && PathSubtree("/api/v%d") -> setRequestHeader("X-Route", "r%d") -> inlineContent(%q) -> <shunt>`,
		i, i%7, i, content)
}

// fillEtcd writes routes r0 … r(n-1) into srv, in transactions of 128
// puts (etcd's default limit) from several writers.
func fillEtcd(tb testing.TB, srv *etcd.Embedded, n int) {
	tb.Helper()
	c := etcdtest.Client(tb, srv)
	const batch, writers = 128, 8
	next := atomic.Int64{}
	var wg sync.WaitGroup
	errs := make(chan error, writers)
	for range writers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				from := int(next.Add(batch)) - batch
				if from >= n {
					return
				}
				ops := make([]clientv3.Op, 0, batch)
				for i := from; i < min(from+batch, n); i++ {
					ops = append(ops, clientv3.OpPut(fmt.Sprintf("/skipper/routes/r%d", i), benchRoute(i, "r")))
				}
				ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
				_, err := c.Txn(ctx).Then(ops...).Commit()
				cancel()
				if err != nil {
					errs <- err
					return
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	if err := <-errs; err != nil {
		tb.Fatal(err)
	}
}

// benchProxy runs skiff.Run with o until the benchmark ends and returns a
// function that GETs route i's answer.
func benchProxy(b *testing.B, o skiff.Options) (body func(i int) string, stop func()) {
	ln, sln := listen(b), listen(b)
	log := logrus.New()
	log.SetOutput(io.Discard)
	o.Listener, o.SupportNetListener = ln, sln
	o.WaitForHealthcheckInterval, o.AccessLogDisabled, o.Log = -1, true, log
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- skiff.Run(ctx, o) }()
	client := &http.Client{Transport: &http.Transport{}, Timeout: 5 * time.Second}
	body = func(i int) string {
		req, _ := http.NewRequest("GET", "http://"+ln.Addr().String()+fmt.Sprintf("/api/v%d/x", i%7), nil)
		req.Host = fmt.Sprintf("svc%d.example.org", i)
		rsp, err := client.Do(req)
		if err != nil {
			return ""
		}
		defer rsp.Body.Close()
		s, _ := io.ReadAll(rsp.Body)
		return string(s)
	}
	stop = func() {
		cancel()
		if err := <-done; err != nil {
			b.Error(err)
		}
		client.CloseIdleConnections()
	}
	return body, stop
}

func waitBody(b *testing.B, body func(int) string, i int, want string) {
	deadline := time.Now().Add(60 * time.Second)
	for body(i) != want {
		if time.Now().After(deadline) {
			b.Fatalf("route r%d never answered %q", i, want)
		}
		time.Sleep(200 * time.Microsecond)
	}
}

// BenchmarkStart100k is the time from skiff.Run to the last of 100,000
// routes answering, and the heap in use then, with the routes in etcd and
// (for comparison) in a routes file.
//
//	go test -run '^$' -bench Start100k -benchtime 1x ./e2e
func BenchmarkStart100k(b *testing.B) {
	const n = 100_000
	srv := etcdtest.Start(b)
	fillEtcd(b, srv, n)
	var doc strings.Builder
	for i := range n {
		fmt.Fprintf(&doc, "r%d: %s;\n", i, benchRoute(i, "r"))
	}
	path := filepath.Join(b.TempDir(), "routes.eskip")
	if err := os.WriteFile(path, []byte(doc.String()), 0o644); err != nil {
		b.Fatal(err)
	}
	for _, bc := range []struct {
		name string
		opts skiff.Options
	}{
		{"file", skiff.Options{RoutesFiles: []string{path}}},
		{"etcd", skiff.Options{Etcd: etcd.Options{Endpoints: srv.Endpoints()}}},
	} {
		b.Run(bc.name, func(b *testing.B) {
			var total time.Duration
			var heap uint64
			for b.Loop() {
				runtime.GC()
				start := time.Now()
				body, stop := benchProxy(b, bc.opts)
				waitBody(b, body, n-1, "r")
				total += time.Since(start)
				runtime.GC()
				var ms runtime.MemStats
				runtime.ReadMemStats(&ms)
				heap = ms.HeapInuse
				stop()
			}
			b.ReportMetric(float64(total.Milliseconds())/float64(b.N), "start-ms")
			b.ReportMetric(float64(heap)/(1<<20), "heap-MiB")
		})
	}
}

// BenchmarkEtcdPutToLive is the time from one put of a route to that route
// answering through the proxy, at 100,000 routes in etcd; p50 and p99.
//
//	go test -run '^$' -bench EtcdPutToLive -benchtime 100x ./e2e
func BenchmarkEtcdPutToLive(b *testing.B) {
	const n, changed = 100_000, 54_321
	srv := etcdtest.Start(b)
	fillEtcd(b, srv, n)
	body, stop := benchProxy(b, skiff.Options{Etcd: etcd.Options{Endpoints: srv.Endpoints()}})
	defer stop()
	waitBody(b, body, changed, "r")
	c := etcdtest.Client(b, srv)
	lat := make([]time.Duration, 0, b.N)
	i := 0
	for b.Loop() {
		i++
		v := fmt.Sprintf("v%d", i)
		start := time.Now()
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		_, err := c.Put(ctx, fmt.Sprintf("/skipper/routes/r%d", changed), benchRoute(changed, v))
		cancel()
		if err != nil {
			b.Fatal(err)
		}
		waitBody(b, body, changed, v)
		lat = append(lat, time.Since(start))
	}
	sort.Slice(lat, func(i, j int) bool { return lat[i] < lat[j] })
	ms := func(q float64) float64 { return float64(lat[int(q*float64(len(lat)-1))].Microseconds()) / 1000 }
	b.ReportMetric(ms(0.5), "p50-ms")
	b.ReportMetric(ms(0.99), "p99-ms")
}

// countingClient counts the Updates a data client pushes.
type countingClient struct {
	dataclients.DataClient
	updates atomic.Int64
	routes  atomic.Int64
}

func (c *countingClient) Run(ctx context.Context, out chan<- dataclients.Update) error {
	mid := make(chan dataclients.Update)
	done := make(chan error, 1)
	go func() { done <- c.DataClient.Run(ctx, mid) }()
	for {
		select {
		case u := <-mid:
			c.updates.Add(1)
			c.routes.Add(int64(len(u.Upserts)))
			select {
			case out <- u:
			case <-ctx.Done():
			}
		case err := <-done:
			return err
		}
	}
}

// TestEtcdBurstIsCoalesced: 1,000 puts within a second reach routing as
// a few batched updates, not 1,000.
func TestEtcdBurstIsCoalesced(t *testing.T) {
	srv := etcdtest.Start(t)
	ec, err := etcd.New(etcd.Options{Endpoints: srv.Endpoints()})
	if err != nil {
		t.Fatal(err)
	}
	cc := &countingClient{DataClient: ec}
	in := start(t, "", skiff.Options{CustomDataClients: []dataclients.DataClient{cc}})
	defer ec.Close()
	before := cc.updates.Load()
	c := etcdtest.Client(t, srv)
	const puts = 1000
	begin := time.Now()
	for i := range puts {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		_, err := c.Put(ctx, fmt.Sprintf("/skipper/routes/b%d", i), fmt.Sprintf(`Path("/b%d") -> inlineContent("%d") -> <shunt>`, i, i))
		cancel()
		if err != nil {
			t.Fatal(err)
		}
	}
	took := time.Since(begin)
	waitFor(t, func() bool { return in.get(t, fmt.Sprintf("/b%d", puts-1)).status == 200 })
	updates := cc.updates.Load() - before
	t.Logf("%d puts in %v reached routing as %d updates", puts, took.Round(time.Millisecond), updates)
	if updates >= puts/4 {
		t.Errorf("%d puts made %d updates; a burst must be batched", puts, updates)
	}
}
