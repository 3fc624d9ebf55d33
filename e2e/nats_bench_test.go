package e2e

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
	"time"

	natsgo "github.com/nats-io/nats.go"
	"github.com/sirupsen/logrus"

	skiff "github.com/skiff-proxy/skiff"
	"github.com/skiff-proxy/skiff/dataclients/nats/natstest"
	"github.com/skiff-proxy/skiff/routing"
)

// BenchmarkNATSRegisterToServing measures the time from publishing a
// registration of a new route to the proxy serving it: NATS delivery,
// decoding, the table, the route update and the routing table's
// incremental build. Each iteration registers a new host; the proxy is
// polled every 100µs, which bounds the resolution.
//
//	go test ./e2e -run '^$' -bench NATSRegisterToServing -benchtime 300x
func BenchmarkNATSRegisterToServing(b *testing.B) {
	for _, pools := range []int{0, 10000} {
		b.Run(fmt.Sprintf("pools=%d", pools), func(b *testing.B) { benchRegisterToServing(b, pools) })
	}
}

func benchRegisterToServing(b *testing.B, pools int) {
	srv := natstest.Start(b)
	o := skiff.Options{}
	o.NATS.Transport.Servers = []string{srv.URL()}
	o.NATS.StartDelay = -1
	o.NATS.Status.Address = "-"
	url, stop := runSkiff(b, o)
	defer stop()
	pub := srv.Connect(b)
	be := httptest.NewServer(http.HandlerFunc(func(http.ResponseWriter, *http.Request) {}))
	defer be.Close()
	host, port := hostPort(be.URL)
	client := &http.Client{Transport: &http.Transport{}}
	defer client.CloseIdleConnections()
	// Registrations published before skiff subscribed are lost, as on
	// NATS itself: warm up until one is served.
	warm, _ := http.NewRequest("GET", url+"/", nil)
	warm.Host = "warm.bench.test"
	for deadline := time.Now().Add(10 * time.Second); ; {
		publish(b, pub, fmt.Sprintf(`{"host":%q,"port":%d,"uris":["warm.bench.test"]}`, host, port))
		if rsp, err := client.Do(warm); err == nil {
			rsp.Body.Close()
			if rsp.StatusCode == 200 {
				break
			}
		}
		if time.Now().After(deadline) {
			b.Fatal("skiff did not serve a registration within 10s")
		}
		time.Sleep(50 * time.Millisecond)
	}
	if pools > 0 {
		// One message registering the endpoint under many route keys
		// makes as many pools.
		uris := make([]string, pools)
		for i := range uris {
			uris[i] = fmt.Sprintf("%q", fmt.Sprintf("pool%d.bench.test/p%d", i, i%7))
		}
		publish(b, pub, fmt.Sprintf(`{"host":%q,"port":%d,"uris":[%s]}`, host, port, strings.Join(uris, ",")))
		last, _ := http.NewRequest("GET", url+fmt.Sprintf("/p%d", (pools-1)%7), nil)
		last.Host = fmt.Sprintf("pool%d.bench.test", pools-1)
		for deadline := time.Now().Add(30 * time.Second); ; {
			rsp, err := client.Do(last)
			if err == nil {
				rsp.Body.Close()
				if rsp.StatusCode == 200 {
					break
				}
			}
			if time.Now().After(deadline) {
				b.Fatalf("%d pools not served within 30s", pools)
			}
			time.Sleep(10 * time.Millisecond)
		}
	}
	lat := make([]time.Duration, 0, b.N)
	b.ResetTimer()
	for i := range b.N {
		h := fmt.Sprintf("r%d.bench.test", i)
		msg := fmt.Sprintf(`{"host":%q,"port":%d,"uris":[%q]}`, host, port, h)
		req, _ := http.NewRequest("GET", url+"/", nil)
		req.Host = h
		// Routing builds at most one table per 5 ms (routing.DefaultCoalesce):
		// a registration right after a build waits for the next slot. The
		// pause makes each registration an isolated one, as emitters'
		// new routes are; back to back, p50 is about 5.5 ms.
		time.Sleep(routing.DefaultCoalesce + time.Millisecond)
		start := time.Now()
		publish(b, pub, msg)
		for {
			rsp, err := client.Do(req)
			if err != nil {
				b.Fatal(err)
			}
			rsp.Body.Close()
			if rsp.StatusCode == 200 {
				break
			}
			if time.Since(start) > 5*time.Second {
				b.Fatalf("%s not served after 5s", h)
			}
			time.Sleep(100 * time.Microsecond)
		}
		lat = append(lat, time.Since(start))
	}
	b.StopTimer()
	slices.Sort(lat)
	b.ReportMetric(float64(lat[len(lat)/2].Microseconds())/1000, "p50-ms")
	b.ReportMetric(float64(lat[len(lat)*99/100].Microseconds())/1000, "p99-ms")
}

// runSkiff runs skiff.Run with o on loopback listeners, without access
// log, until the returned function is called.
func runSkiff(b *testing.B, o skiff.Options) (url string, stop func()) {
	ln, sln := listen(b), listen(b)
	log := logrus.New()
	log.SetOutput(io.Discard)
	o.Listener, o.SupportNetListener = ln, sln
	o.WaitForHealthcheckInterval, o.AccessLogDisabled, o.Log = -1, true, log
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- skiff.Run(ctx, o) }()
	return "http://" + ln.Addr().String(), func() {
		cancel()
		if err := <-done; err != nil {
			b.Error(err)
		}
	}
}

func publish(b *testing.B, pub *natsgo.Conn, msg string) {
	if err := pub.Publish("router.register", []byte(msg)); err != nil {
		b.Fatal(err)
	}
	if err := pub.Flush(); err != nil {
		b.Fatal(err)
	}
}
