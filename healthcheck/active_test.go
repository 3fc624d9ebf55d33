package healthcheck

import (
	"context"
	"net"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// run starts r.Run and stops it when the test ends, failing the test if
// Run does not return nil promptly.
func run(t *testing.T, r *Registry, inUse InUse) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- r.Run(ctx, inUse) }()
	t.Cleanup(func() {
		cancel()
		select {
		case err := <-done:
			if err != nil {
				t.Errorf("Run: %v", err)
			}
		case <-time.After(5 * time.Second):
			t.Error("Run did not return after its context ended")
		}
	})
}

// counting returns a backend answering 200 and the number of requests it
// got.
func counting(t *testing.T) (string, *atomic.Int64) {
	var n atomic.Int64
	return backend(t, func(w http.ResponseWriter, r *http.Request) { n.Add(1) }), &n
}

func TestDeadRevivedByProbe(t *testing.T) {
	addr := closedPort(t)
	r := New(Config{Active: ActiveConfig{Interval: 20 * time.Millisecond, Path: "/healthz", Timeout: time.Second}})
	e := r.Endpoint("http", addr)
	e.Begin()
	e.End(Outcome{Failure: DialFailed})
	// A second endpoint tells when a round has ended: its second probe
	// starts after the first round, e's probe included, is over.
	witness, probes := counting(t)
	r.Endpoint("http", witness)
	run(t, r, nil)

	waitFor(t, "two probe rounds", func() bool { return probes.Load() >= 2 })
	if s := e.State(); s != Dead {
		t.Fatalf("refusing endpoint is %v after a probe round, want dead", s)
	}

	l, err := net.Listen("tcp", addr)
	if err != nil {
		t.Skipf("cannot listen on %s again: %v", addr, err)
	}
	srv := &http.Server{Handler: http.NotFoundHandler()}
	go srv.Serve(l)
	t.Cleanup(func() { srv.Close() })

	waitFor(t, "the endpoint revived", func() bool { return e.State() == Healthy })
	_, _, reason := e.Status()
	if want := "probe GET http://" + addr + "/healthz: 404 Not Found"; reason != want {
		t.Errorf("reason %q, want %q", reason, want)
	}
}

// A new endpoint is probed when it is created, not an Interval later.
func TestNewEndpointProbedAtOnce(t *testing.T) {
	r := New(Config{Active: ActiveConfig{Interval: time.Hour, Timeout: time.Second}})
	run(t, r, nil)
	dead := r.Endpoint("http", closedPort(t))
	lame := r.Endpoint("http", backend(t, status(503, LameDuckHeader, "true")))
	waitFor(t, "first probes", func() bool { return dead.State() == Dead && lame.State() == LameDuck })
	if d, l := r.DeadEndpoints(), r.LameDuckEndpoints(); d != 1 || l != 1 {
		t.Errorf("counted %d dead, %d lame duck; want 1, 1", d, l)
	}
	if p := r.Probes(); p.Dead < 1 || p.LameDuck < 1 || p.Healthy != 0 || p.Inconclusive != 0 {
		t.Errorf("probes %+v, want at least one dead and one lame duck, nothing else", p)
	}
}

// Probes that learn nothing are counted as inconclusive.
func TestInconclusiveProbeCounted(t *testing.T) {
	r := New(Config{Active: ActiveConfig{Interval: time.Hour, Timeout: time.Second}})
	run(t, r, nil)
	r.Endpoint("ftp", "127.0.0.1:21") // no probe for the scheme
	ok := r.Endpoint("http", backend(t, status(200)))
	waitFor(t, "the probes", func() bool { p := r.Probes(); return p.Inconclusive == 1 && p.Healthy == 1 })
	if ok.State() != Healthy {
		t.Errorf("state %v", ok.State())
	}
}

func TestProbeRoundBounded(t *testing.T) {
	const endpoints = 40
	var inflight, most, total atomic.Int64
	release := make(chan struct{})
	h := func(w http.ResponseWriter, r *http.Request) {
		total.Add(1)
		raise(&most, inflight.Add(1))
		<-release
		// Before the answer is written: the prober cannot start the next
		// probe before this one is no longer counted.
		inflight.Add(-1)
	}
	r := New(Config{Active: ActiveConfig{Interval: time.Hour, Timeout: 10 * time.Second}})
	for range endpoints {
		r.Endpoint("http", backend(t, h))
	}
	p := newProber(r.cfg.Active)
	done := make(chan struct{})
	go func() {
		defer close(done)
		r.probeRound(context.Background(), p, r.all())
	}()
	waitFor(t, "the probes in flight to reach the bound", func() bool { return inflight.Load() == maxConcurrentProbes })
	if n := total.Load(); n != maxConcurrentProbes {
		t.Errorf("%d probes started while %d were blocked", n, maxConcurrentProbes)
	}
	close(release)
	<-done
	if n, m := total.Load(), most.Load(); n != endpoints || m != maxConcurrentProbes {
		t.Errorf("round probed %d endpoints with at most %d at once; want %d, %d", n, m, endpoints, maxConcurrentProbes)
	}
	for _, e := range r.Endpoints() {
		if e.State() != Healthy {
			t.Errorf("%s is %v", e.Address(), e.State())
		}
	}
}

// A round longer than the interval delays the next one.
func TestRoundsDoNotOverlap(t *testing.T) {
	var inflight, most, total atomic.Int64
	addr := backend(t, func(w http.ResponseWriter, r *http.Request) {
		raise(&most, inflight.Add(1))
		time.Sleep(30 * time.Millisecond) // a slow backend, 3 intervals
		inflight.Add(-1)
		total.Add(1)
	})
	r := New(Config{Active: ActiveConfig{Interval: 10 * time.Millisecond, Timeout: time.Second}})
	r.Endpoint("http", addr)
	run(t, r, nil)
	waitFor(t, "four probes", func() bool { return total.Load() >= 4 })
	if m := most.Load(); m != 1 {
		t.Errorf("%d probes of one endpoint at once", m)
	}
}

// A probe cut short by the end of Run changes nothing.
func TestRunEndsDuringProbe(t *testing.T) {
	started := make(chan struct{})
	var once sync.Once
	addr := backend(t, func(w http.ResponseWriter, r *http.Request) {
		once.Do(func() { close(started) })
		<-r.Context().Done()
	})
	r := New(Config{Active: ActiveConfig{Interval: time.Hour, Timeout: time.Minute}})
	e := r.Endpoint("http", addr)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- r.Run(ctx, nil) }()
	<-started
	begun := time.Now()
	cancel()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if took := time.Since(begun); took > 5*time.Second {
		t.Errorf("Run took %v to stop", took)
	}
	if s, _, reason := e.Status(); s != Healthy || strings.Contains(reason, "probe") {
		t.Errorf("cancelled probe set %v (%q)", s, reason)
	}
}
