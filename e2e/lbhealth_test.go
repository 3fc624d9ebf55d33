package e2e

import (
	"context"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/skiff-proxy/skiff"
)

// restartable is a backend that can be stopped and started again on the
// same address, as a process restarts.
type restartable struct {
	name     string
	addr     string
	handler  http.Handler
	hits     atomic.Int64
	stopping atomic.Bool
	lastHit  atomic.Int64 // unix nanoseconds
	mu       sync.Mutex
	srv      *http.Server
	ln       net.Listener
	served   chan struct{}
}

// closeListener stops accepting connections; the server goes on serving
// the ones it has.
func (b *restartable) closeListener() {
	b.mu.Lock()
	ln := b.ln
	b.mu.Unlock()
	ln.Close()
}

func newRestartable(t *testing.T, name string, h http.HandlerFunc) *restartable {
	t.Helper()
	b := &restartable{name: name}
	b.handler = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/probe" {
			b.hits.Add(1)
		}
		b.lastHit.Store(time.Now().UnixNano())
		if b.stopping.Load() {
			w.Header().Set("Connection", "close")
		}
		w.Header().Set("X-Backend", name)
		if h != nil {
			h(w, r)
			return
		}
		io.Copy(io.Discard, r.Body)
		io.WriteString(w, "from "+name+"\n")
	})
	ln := listen(t)
	b.addr = ln.Addr().String()
	b.serve(ln)
	t.Cleanup(b.stop)
	return b
}

func (b *restartable) serve(ln net.Listener) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.ln = ln
	b.srv = &http.Server{Handler: b.handler, ReadHeaderTimeout: 10 * time.Second}
	b.served = make(chan struct{})
	srv, done := b.srv, b.served
	go func() {
		defer close(done)
		srv.Serve(ln)
	}()
}

// stop shuts the backend down gracefully, as a well-behaved server does
// on SIGTERM: it stops accepting connections, answers what arrives on the
// connections it has with Connection: close, and closes the ones left
// idle once no request has come for a while.
//
// Closing a kept-alive connection right after a response that did not
// say Connection: close (what net/http's Shutdown does to a request whose
// headers were written when it began) races with the proxy sending the
// next request on it: a POST caught that way cannot be retried, since the
// proxy cannot know that the backend did not act on it (RFC 9112 §9.3.1).
func (b *restartable) stop() {
	b.mu.Lock()
	srv, done := b.srv, b.served
	b.srv = nil
	b.mu.Unlock()
	if srv == nil {
		return
	}
	b.stopping.Store(true)
	defer b.stopping.Store(false)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	b.closeListener()
	for time.Since(time.Unix(0, b.lastHit.Load())) < 100*time.Millisecond {
		time.Sleep(10 * time.Millisecond)
	}
	srv.Shutdown(ctx)
	<-done
}

// restart listens on the backend's address again.
func (b *restartable) restart(t *testing.T) {
	t.Helper()
	var ln net.Listener
	var err error
	for range 100 {
		if ln, err = net.Listen("tcp", b.addr); err == nil {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	if err != nil {
		t.Fatalf("listen on %s again: %v", b.addr, err)
	}
	b.serve(ln)
}

// load sends GETs and POSTs with a body from several clients until
// stopped, and records every failure.
type load struct {
	stopOnce sync.Once
	stop     chan struct{}
	wg       sync.WaitGroup
	ok       atomic.Int64
	mu       sync.Mutex
	failures []string
}

func startLoad(t *testing.T, url string, clients int) *load {
	t.Helper()
	l := &load{stop: make(chan struct{})}
	c := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: clients}, Timeout: 10 * time.Second}
	for i := range clients {
		l.wg.Add(1)
		go func() {
			defer l.wg.Done()
			for n := 0; ; n++ {
				select {
				case <-l.stop:
					return
				default:
				}
				var req *http.Request
				if (i+n)%2 == 0 {
					req, _ = http.NewRequest("GET", url, nil)
				} else {
					req, _ = http.NewRequest("POST", url, strings.NewReader(strings.Repeat("p", 1000)))
				}
				rsp, err := c.Do(req)
				if err == nil {
					_, err = io.Copy(io.Discard, rsp.Body)
					rsp.Body.Close()
					if err == nil && rsp.StatusCode != 200 {
						err = fmt.Errorf("status %d", rsp.StatusCode)
					}
				}
				if err != nil {
					l.mu.Lock()
					l.failures = append(l.failures, fmt.Sprintf("%s %s: %v", time.Now().Format("15:04:05.000"), req.Method, err))
					l.mu.Unlock()
					continue
				}
				l.ok.Add(1)
			}
		}()
	}
	t.Cleanup(func() { l.finish(); c.CloseIdleConnections() })
	return l
}

func (l *load) finish() []string {
	l.stopOnce.Do(func() { close(l.stop) })
	l.wg.Wait()
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.failures
}

// endpointView is what the test reads from /endpoints.
type endpointView struct {
	Address  string    `json:"address"`
	State    string    `json:"state"`
	Reason   string    `json:"reason"`
	InFlight int64     `json:"in_flight"`
	Detected time.Time `json:"detected"`
	FadeIn   float64   `json:"fade_in"`
	Requests uint64    `json:"requests"`
	Failures uint64    `json:"failures"`
	Damping  []struct {
		Route      string  `json:"route"`
		Penalty    float64 `json:"penalty"`
		Suppressed bool    `json:"suppressed"`
		Held       string  `json:"held"`
	} `json:"damping"`
}

func (in *instance) endpoints(t *testing.T) map[string]endpointView {
	t.Helper()
	rsp, err := in.client.Get(in.support + "/endpoints")
	if err != nil {
		t.Fatal(err)
	}
	defer rsp.Body.Close()
	var list []endpointView
	if err := json.NewDecoder(rsp.Body).Decode(&list); err != nil {
		t.Fatalf("/endpoints: %v", err)
	}
	m := map[string]endpointView{}
	for _, e := range list {
		m[strings.TrimPrefix(e.Address, "http://")] = e
	}
	return m
}

func lbRoutes(algo string, filters string, bs ...*restartable) string {
	eps := make([]string, len(bs))
	for i, b := range bs {
		eps[i] = fmt.Sprintf("%q", "http://"+b.addr)
	}
	return routes(fmt.Sprintf(`lb: * %s -> <%s, %s>;`, filters, algo, strings.Join(eps, ", ")))
}

// TestBackendStoppedAndRestartedUnderLoad: one of four backends stops for
// a while under steady load of GETs and POSTs with bodies. No request
// fails; the stopped backend is marked dead by the first connection it
// refuses and gets no traffic; once it listens again it gets traffic
// within one probe interval (active checks) or one dead TTL (without).
func TestBackendStoppedAndRestartedUnderLoad(t *testing.T) {
	for _, tc := range []struct {
		name     string
		opts     skiff.Options
		down     time.Duration
		back     time.Duration // the longest wait for traffic after the restart
		maxTries int           // attempts on the stopped backend while it is down, per client
	}{
		{"active checks", skiff.Options{LBHealthcheckInterval: 500 * time.Millisecond, LBHealthcheckPath: "/probe"}, 10 * time.Second, 1500 * time.Millisecond, 1},
		{"dead TTL", skiff.Options{LBDeadTTL: time.Second}, 3 * time.Second, 2500 * time.Millisecond, 5},
	} {
		t.Run(tc.name, func(t *testing.T) {
			bs := make([]*restartable, 4)
			for i := range bs {
				bs[i] = newRestartable(t, fmt.Sprint("b", i), nil)
			}
			in := start(t, lbRoutes("roundRobin", "", bs...), tc.opts)
			const clients = 8
			l := startLoad(t, in.url+"/", clients)
			time.Sleep(500 * time.Millisecond)

			stopped := bs[2]
			stopped.stop()
			waitFor(t, func() bool { return in.endpoints(t)[stopped.addr].State == "dead" })
			time.Sleep(tc.down)
			before := in.endpoints(t)[stopped.addr]
			stopped.restart(t)
			restarted := time.Now()
			waitFor(t, func() bool { return stopped.hits.Load() > 0 || time.Since(restarted) > 5*time.Second })
			if d := time.Since(restarted); stopped.hits.Load() == 0 || d > tc.back {
				t.Errorf("the restarted backend got traffic after %v (hits %d), want within %v", d, stopped.hits.Load(), tc.back)
			}
			time.Sleep(300 * time.Millisecond)
			failures := l.finish()
			if len(failures) > 0 {
				t.Errorf("%d of %d requests failed, want none; first: %v", len(failures), int64(len(failures))+l.ok.Load(), failures[:min(len(failures), 5)])
			}
			// While it was down, requests tried it only when its dead mark
			// ran out (and were then sent elsewhere).
			limit := uint64(tc.maxTries * clients)
			if before.Failures > limit {
				t.Errorf("%d attempts failed on the stopped backend, want at most %d: it kept getting traffic", before.Failures, limit)
			}
			for _, b := range bs {
				if b != stopped && b.hits.Load() == 0 {
					t.Errorf("%s got no traffic", b.name)
				}
			}
			t.Logf("%d requests, %d attempts on the stopped backend failed", l.ok.Load(), before.Failures)
		})
	}
}

// TestLameDuckGetsNoNewRequests: a backend whose probe answers 503 with
// Connection: close is going away. It gets no new requests, and the one
// it is serving completes.
func TestLameDuckGetsNoNewRequests(t *testing.T) {
	var lame atomic.Bool
	release := make(chan struct{})
	var holding atomic.Int32
	handler := func(name string) http.HandlerFunc {
		return func(w http.ResponseWriter, r *http.Request) {
			switch r.URL.Path {
			case "/probe":
				if name == "going" && lame.Load() {
					w.Header().Set("Connection", "close")
					w.WriteHeader(http.StatusServiceUnavailable)
				}
			case "/slow":
				if name == "going" {
					holding.Add(1)
					<-release
				}
				io.WriteString(w, "slow done by "+name)
			}
		}
	}
	going := newRestartable(t, "going", handler("going"))
	staying := newRestartable(t, "staying", handler("staying"))
	in := start(t, lbRoutes("roundRobin", "", going, staying),
		skiff.Options{LBHealthcheckInterval: 100 * time.Millisecond, LBHealthcheckPath: "/probe"})

	// A request held by the backend that is about to go.
	slow := make(chan response, 4)
	for holding.Load() == 0 {
		go func() { slow <- in.get(t, "/slow") }()
		waitFor(t, func() bool { return holding.Load() > 0 || len(slow) > 0 })
		if holding.Load() == 0 {
			<-slow // it went to the other one
		}
	}
	lame.Store(true)
	waitFor(t, func() bool { return in.endpoints(t)[going.addr].State == "lame-duck" })
	if ep := in.endpoints(t)[going.addr]; ep.InFlight != 1 {
		t.Errorf("lame duck has %d requests in flight, want the held one", ep.InFlight)
	}
	hits := going.hits.Load()
	for i := range 50 {
		if r := in.get(t, "/x"); r.status != 200 || r.header.Get("X-Backend") != "staying" {
			t.Fatalf("request %d: %d from %q, want 200 from the endpoint that stays", i, r.status, r.header.Get("X-Backend"))
		}
	}
	if n := going.hits.Load() - hits; n != 0 {
		t.Errorf("the lame duck got %d new requests", n)
	}
	close(release)
	select {
	case r := <-slow:
		if r.status != 200 || r.body != "slow done by going" {
			t.Errorf("the request in flight on the lame duck: %d %q", r.status, r.body)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("the request in flight on the lame duck did not complete")
	}
	// Healthy again when its probe says so.
	lame.Store(false)
	waitFor(t, func() bool { return in.endpoints(t)[going.addr].State == "healthy" })
}

// TestSlowEndpointGetsLessTraffic: with one endpoint answering 10× slower
// than its peers, powerOfRandomNChoices and leastConnection send it
// measurably less than its round-robin share, which roundRobin (the
// control) gives it.
func TestSlowEndpointGetsLessTraffic(t *testing.T) {
	for _, algo := range []string{"roundRobin", "powerOfRandomNChoices", "leastConnection"} {
		t.Run(algo, func(t *testing.T) {
			bs := make([]*restartable, 4)
			for i := range bs {
				delay := 2 * time.Millisecond
				if i == 0 {
					delay = 20 * time.Millisecond
				}
				bs[i] = newRestartable(t, fmt.Sprint("b", i), func(w http.ResponseWriter, r *http.Request) {
					time.Sleep(delay)
				})
			}
			in := start(t, lbRoutes(algo, "", bs...), skiff.Options{})
			l := startLoad(t, in.url+"/", 12)
			time.Sleep(1500 * time.Millisecond)
			if f := l.finish(); len(f) > 0 {
				t.Fatalf("%d requests failed: %v", len(f), f[0])
			}
			var total int64
			for _, b := range bs {
				total += b.hits.Load()
			}
			share := float64(bs[0].hits.Load()) / float64(total)
			t.Logf("%s: the slow endpoint got %.3f of %d requests", algo, share, total)
			if algo == "roundRobin" {
				if share < 0.2 {
					t.Errorf("round robin gave the slow endpoint %.3f, want about 0.25", share)
				}
				return
			}
			// 0.2 is three standard deviations of a fair share (0.25) at
			// this sample size below it: a loaded machine's noisy
			// latencies must not fail the test, a balancer that ignores
			// latency does.
			if share > 0.2 {
				t.Errorf("%s gave the slow endpoint %.3f of the requests, want well under 0.25", algo, share)
			}
		})
	}
}

// TestFadeInShareFollowsTheCurve adds an endpoint to a live route with
// fadeIn and counts its share of the requests in one-second buckets: each
// is within a few points of (t/D)^k of a full endpoint's share.
func TestFadeInShareFollowsTheCurve(t *testing.T) {
	const fade = 5 * time.Second
	var mu sync.Mutex
	var newHits []time.Time
	var allHits []time.Time
	record := func(isNew bool) {
		mu.Lock()
		defer mu.Unlock()
		now := time.Now()
		allHits = append(allHits, now)
		if isNew {
			newHits = append(newHits, now)
		}
	}
	old := []*restartable{
		newRestartable(t, "old0", func(w http.ResponseWriter, r *http.Request) { record(false) }),
		newRestartable(t, "old1", func(w http.ResponseWriter, r *http.Request) { record(false) }),
	}
	fresh := newRestartable(t, "new", func(w http.ResponseWriter, r *http.Request) { record(true) })
	filter := fmt.Sprintf(`-> fadeIn("%s")`, fade)
	in := start(t, lbRoutes("roundRobin", filter, old...), skiff.Options{})
	// Every endpoint is new to a starting proxy: the old ones fade in
	// first.
	time.Sleep(fade)
	l := startLoad(t, in.url+"/", 8)
	time.Sleep(300 * time.Millisecond)
	writeFile(t, in.routesFile, lbRoutes("roundRobin", filter, old[0], old[1], fresh))
	var detected time.Time
	waitFor(t, func() bool {
		ep, ok := in.endpoints(t)[fresh.addr]
		detected = ep.Detected
		return ok
	})
	time.Sleep(time.Until(detected.Add(fade + 500*time.Millisecond)))
	if f := l.finish(); len(f) > 0 {
		t.Fatalf("%d requests failed: %v", len(f), f[0])
	}
	mu.Lock()
	defer mu.Unlock()
	buckets := int(fade / time.Second)
	all := make([]int, buckets)
	got := make([]int, buckets)
	bucket := func(at time.Time) int {
		if at.Before(detected) {
			return -1
		}
		i := int(at.Sub(detected) / time.Second)
		if i >= buckets {
			return -1
		}
		return i
	}
	for _, at := range allHits {
		if i := bucket(at); i >= 0 {
			all[i]++
		}
	}
	for _, at := range newHits {
		if i := bucket(at); i >= 0 {
			got[i]++
		}
	}
	for i := range buckets {
		mid := (float64(i) + 0.5) / float64(buckets)
		// Round robin over the candidates: the new endpoint is one of
		// three with probability mid, so its share is mid/3, and mid of
		// a full endpoint's third.
		share := 3 * float64(got[i]) / float64(all[i])
		t.Logf("second %d: %d of %d requests, %.2f of a full share, curve %.2f", i, got[i], all[i], share, mid)
		if all[i] < 200 {
			t.Fatalf("second %d: only %d requests, too few to measure", i, all[i])
		}
		if d := share - mid; d > 0.08 || d < -0.08 {
			t.Errorf("second %d: the new endpoint got %.2f of a full share, the curve says %.2f", i, share, mid)
		}
	}
}

// TestEndpointStateSurvivesRouteChange: a change of the route around an
// endpoint (a new filter: filters and predicates are created again) keeps
// the endpoint's state, detection time and requests in flight.
func TestEndpointStateSurvivesRouteChange(t *testing.T) {
	release := make(chan struct{})
	var holding atomic.Int32
	live := newRestartable(t, "live", func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/hold" {
			holding.Add(1)
			<-release
		}
	})
	dead := deadAddress(t)
	route := func(header string) string {
		return routes(fmt.Sprintf(`lb: * -> setRequestHeader("X-Version", %q) -> <"http://%s", "http://%s">;`, header, dead, live.addr))
	}
	in := start(t, route("1"), skiff.Options{LBDeadTTL: time.Hour})
	for in.endpoints(t)[dead].State != "dead" {
		if r := in.get(t, "/"); r.status != 200 {
			t.Fatalf("status %d", r.status)
		}
	}
	held := make(chan response, 1)
	go func() { held <- in.get(t, "/hold") }()
	waitFor(t, func() bool { return holding.Load() == 1 })
	before := in.endpoints(t)

	writeFile(t, in.routesFile, route("2"))
	waitFor(t, func() bool {
		r := in.get(t, "/")
		return r.status == 200 && strings.Contains(in.get(t, "/").header.Get("X-Backend"), "live") && strings.Contains(in.supportGet(t, "/routes"), `"X-Version", "2"`)
	})
	after := in.endpoints(t)
	for _, addr := range []string{dead, live.addr} {
		b, a := before[addr], after[addr]
		if a.State != b.State || !a.Detected.Equal(b.Detected) || a.Failures != b.Failures {
			t.Errorf("%s changed with its route: before %+v, after %+v", addr, b, a)
		}
	}
	if after[live.addr].InFlight != 1 {
		t.Errorf("the request held across the change is not in flight: %+v", after[live.addr])
	}
	close(release)
	if r := <-held; r.status != 200 {
		t.Errorf("held request: %d", r.status)
	}
	waitFor(t, func() bool { return in.endpoints(t)[live.addr].InFlight == 0 })
}

// TestPassiveHealthCheckSparesAFailingEndpoint: an endpoint that breaks
// every connection it is sent gets far less than its share once the
// passive health check has seen it fail; without the flag (the control)
// it keeps its third.
func TestPassiveHealthCheckSparesAFailingEndpoint(t *testing.T) {
	for _, tc := range []struct {
		name    string
		passive string
	}{
		{"control", ""},
		{"passive", "period=200ms,min-requests=2,max-drop-probability=0.9"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var broken atomic.Int64
			failing := newRestartable(t, "failing", func(w http.ResponseWriter, r *http.Request) {
				broken.Add(1)
				c, _, err := w.(http.Hijacker).Hijack()
				if err == nil {
					c.Close() // no answer: a transport failure for the proxy
				}
			})
			a := newRestartable(t, "a", nil)
			b := newRestartable(t, "b", nil)
			in := start(t, lbRoutes("roundRobin", "", failing, a, b), skiff.Options{PassiveHealthCheck: tc.passive})
			// Steady traffic: each period's failures decide the next
			// period's drop probability.
			send := func(d time.Duration) {
				for end := time.Now().Add(d); time.Now().Before(end); {
					rsp, err := in.client.Get(in.url + "/")
					if err == nil {
						io.Copy(io.Discard, rsp.Body)
						rsp.Body.Close()
					}
				}
			}
			send(time.Second)
			before := broken.Load() + a.hits.Load() + b.hits.Load()
			brokenBefore := broken.Load()
			send(time.Second)
			share := float64(broken.Load()-brokenBefore) / float64(broken.Load()+a.hits.Load()+b.hits.Load()-before)
			t.Logf("%s: the failing endpoint got %.3f of the attempts", tc.name, share)
			if tc.passive == "" {
				if share < 0.25 {
					t.Errorf("without the passive check the failing endpoint got %.3f, want about a third", share)
				}
				return
			}
			if share > 0.12 {
				t.Errorf("the failing endpoint got %.3f of the attempts, want well under its third", share)
			}
		})
	}
}

// TestProbesTrustWhatTheProxyTrusts: active probes of an https endpoint
// verify it as the proxy does (-insecure, -backend-ca-file), so an
// endpoint the proxy can use is not taken for dead.
func TestProbesTrustWhatTheProxyTrusts(t *testing.T) {
	var probes atomic.Int32
	be := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/probe" {
			probes.Add(1)
		}
		io.WriteString(w, "ok")
	}))
	t.Cleanup(be.Close)
	caFile := filepath.Join(t.TempDir(), "ca.pem")
	writeFile(t, caFile, string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: be.Certificate().Raw})))
	addr := strings.TrimPrefix(be.URL, "https://")
	for _, tc := range []struct {
		name string
		o    skiff.Options
	}{
		{"insecure", skiff.Options{Insecure: true}},
		{"ca file", skiff.Options{BackendCAFile: caFile}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tc.o.LBHealthcheckInterval, tc.o.LBHealthcheckPath = 50*time.Millisecond, "/probe"
			in := start(t, `r: * -> <roundRobin, "https://`+addr+`">;`, tc.o)
			before := probes.Load()
			waitFor(t, func() bool { return probes.Load() >= before+3 })
			if got := in.endpoints(t)["https://"+addr].State; got != "healthy" {
				t.Errorf("endpoint %s after probes, want healthy", got)
			}
			if r := in.get(t, "/"); r.status != 200 || r.body != "ok" {
				t.Errorf("request: %d %q", r.status, r.body)
			}
		})
	}
}
