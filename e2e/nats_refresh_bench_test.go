package e2e

import (
	"fmt"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"os"
	"runtime/pprof"
	"slices"
	"sync"
	"testing"
	"time"

	skiff "github.com/skiff-proxy/skiff"
	"github.com/skiff-proxy/skiff/dataclients/nats/natstest"
	"github.com/skiff-proxy/skiff/internal/cputime"
)

// BenchmarkNATSRefreshWhileServing measures what the refresh stream of a
// large Cloud Foundry costs a router that is serving: 100,000 endpoints
// (10,000 pools of 10) re-registered every 20 s is 5,000 messages a
// second. The proxy serves a steady 1,000 requests a second to random
// pools throughout; phases with and without the refresh stream alternate
// (three of each), and the difference of the process's CPU time between
// them is the stream's cost. The NATS server and the publisher run in
// this process too, so the figure is an upper bound of skiff's share.
// The request latencies of both kinds of phase are reported as well.
// With SKIFF_BENCH_CPUPROFILE set to a file name, a CPU profile of the
// phases (not of the setup) is written there: its share of
// transport.(*Conn).dispatch is skiff's own cost of the stream.
//
//	go test ./e2e -run '^$' -bench NATSRefreshWhileServing -benchtime 1x
func BenchmarkNATSRefreshWhileServing(b *testing.B) {
	const (
		pools     = 10000
		perPool   = 10
		msgRate   = 5000 // messages per second
		reqRate   = 1000 // requests per second
		phase     = 3 * time.Second
		rounds    = 3
		batchTick = 10 * time.Millisecond
	)
	srv := natstest.Start(b)
	o := skiff.Options{}
	o.NATS.Transport.Servers = []string{srv.URL()}
	o.NATS.StartDelay = -1
	o.NATS.Status.Address = "-"
	o.NATS.MaxConns = 0
	url, stop := runSkiff(b, o)
	defer stop()
	pub := srv.Connect(b)

	var ports [perPool]int
	for i := range ports {
		be := httptest.NewServer(http.HandlerFunc(func(http.ResponseWriter, *http.Request) {}))
		defer be.Close()
		_, ports[i] = hostPort(be.URL)
	}
	msgs := make([][]byte, 0, pools*perPool)
	for p := range pools {
		for _, port := range ports {
			msgs = append(msgs, fmt.Appendf(nil, `{"host":"127.0.0.1","port":%d,"uris":["pool%d.refresh.test"],"app":"aaaaaaaa-aaaa-aaaa-aaaa-aaaaaaaaaaaa","private_instance_id":"i-%d-%d","private_instance_index":"0","tags":{"component":"route-emitter"}}`, port, p, p, port))
		}
	}
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 16}}
	defer client.CloseIdleConnections()
	get := func(pool int) (time.Duration, int) {
		req, _ := http.NewRequest("GET", url+"/", nil)
		req.Host = fmt.Sprintf("pool%d.refresh.test", pool)
		start := time.Now()
		rsp, err := client.Do(req)
		if err != nil {
			return time.Since(start), 0
		}
		rsp.Body.Close()
		return time.Since(start), rsp.StatusCode
	}
	// Registrations sent before skiff subscribed are lost: repeat until
	// the first and the last pool are served.
	for deadline := time.Now().Add(60 * time.Second); ; {
		for _, m := range msgs {
			if err := pub.Publish("router.register", m); err != nil {
				b.Fatal(err)
			}
		}
		if err := pub.Flush(); err != nil {
			b.Fatal(err)
		}
		served := false
		for wait := time.Now().Add(10 * time.Second); time.Now().Before(wait); time.Sleep(100 * time.Millisecond) {
			if _, s := get(0); s == 200 {
				if _, s := get(pools - 1); s == 200 {
					served = true
					break
				}
			}
		}
		if served {
			break
		}
		if time.Now().After(deadline) {
			b.Fatal("the pools were not served within 60s")
		}
	}

	// run serves reqRate requests a second for one phase, refreshing at
	// msgRate when refresh is set; it returns the CPU time the process
	// spent and the request latencies.
	next := 0
	run := func(refresh bool) (time.Duration, []time.Duration) {
		var wg sync.WaitGroup
		quit := make(chan struct{})
		var mu sync.Mutex
		var lat []time.Duration
		failed := 0
		for w := range 4 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				tick := time.NewTicker(4 * time.Second / reqRate)
				defer tick.Stop()
				r := rand.New(rand.NewPCG(uint64(w), 1))
				for {
					select {
					case <-quit:
						return
					case <-tick.C:
						d, s := get(r.IntN(pools))
						mu.Lock()
						lat = append(lat, d)
						if s != 200 {
							failed++
						}
						mu.Unlock()
					}
				}
			}()
		}
		if refresh {
			wg.Add(1)
			go func() {
				defer wg.Done()
				tick := time.NewTicker(batchTick)
				defer tick.Stop()
				per := msgRate * int(batchTick) / int(time.Second)
				for {
					select {
					case <-quit:
						return
					case <-tick.C:
						for range per {
							_ = pub.Publish("router.register", msgs[next%len(msgs)])
							next++
						}
					}
				}
			}()
		}
		before := cputime.Process()
		time.Sleep(phase)
		used := cputime.Process() - before
		close(quit)
		wg.Wait()
		if failed > 0 {
			b.Errorf("%d requests failed (refresh %v)", failed, refresh)
		}
		return used, lat
	}

	var quiet, busy time.Duration
	var latQuiet, latBusy []time.Duration
	sent := 0
	if f := os.Getenv("SKIFF_BENCH_CPUPROFILE"); f != "" {
		out, err := os.Create(f)
		if err != nil {
			b.Fatal(err)
		}
		defer out.Close()
		if err := pprof.StartCPUProfile(out); err != nil {
			b.Fatal(err)
		}
		defer pprof.StopCPUProfile()
	}
	b.ResetTimer()
	for range rounds {
		c, l := run(false)
		quiet += c
		latQuiet = append(latQuiet, l...)
		n0 := next
		c, l = run(true)
		busy += c
		latBusy = append(latBusy, l...)
		sent += next - n0
	}
	b.StopTimer()
	total := time.Duration(rounds) * phase
	b.ReportMetric(100*float64(busy-quiet)/float64(total), "refresh-core-%")
	b.ReportMetric(float64(sent)/total.Seconds(), "msg/s")
	b.ReportMetric(100*float64(quiet)/float64(total), "serving-core-%")
	b.ReportMetric(pct(latQuiet, 99), "p99-quiet-ms")
	b.ReportMetric(pct(latBusy, 99), "p99-refresh-ms")
}

// pct is the p-th percentile of ds in milliseconds.
func pct(ds []time.Duration, p int) float64 {
	if len(ds) == 0 {
		return 0
	}
	slices.Sort(ds)
	return float64(ds[len(ds)*p/100].Microseconds()) / 1000
}
