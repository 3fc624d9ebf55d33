package scheduler

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/sirupsen/logrus"

	"github.com/skiff-proxy/skiff/eskip"
	"github.com/skiff-proxy/skiff/filters"
	"github.com/skiff-proxy/skiff/filters/path"
	"github.com/skiff-proxy/skiff/filters/status"
	"github.com/skiff-proxy/skiff/proxy"
	"github.com/skiff-proxy/skiff/routing"
)

type fixedTables struct{ t *routing.Table }

func (f fixedTables) Acquire() *routing.Table { return f.t }

// rig is a proxy with the package's filters in front of a backend:
//
//	/hold?id=N   notes N as arrived, then answers when the test sends on gate
//	/stream      sends "first", flushes, waits for gate, sends "last"
//	/status?s=N  answers status N at once
//	anything else answers 200 "ok" at once
type rig struct {
	url    string
	reg    *Registry
	client *http.Client
	gate   chan struct{}
	hits   atomic.Int64

	mu      sync.Mutex
	arrived []int
}

func newRig(t *testing.T, routes string) *rig {
	t.Helper()
	r := &rig{reg: NewRegistry(Options{}), gate: make(chan struct{}), client: &http.Client{Transport: &http.Transport{MaxConnsPerHost: 100}}}
	be := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		r.hits.Add(1)
		switch req.URL.Path {
		case "/hold":
			id, _ := strconv.Atoi(req.URL.Query().Get("id"))
			r.mu.Lock()
			r.arrived = append(r.arrived, id)
			r.mu.Unlock()
			select {
			case <-r.gate:
			case <-req.Context().Done():
			}
			io.WriteString(w, "held "+strconv.Itoa(id))
		case "/stream":
			io.WriteString(w, "first")
			w.(http.Flusher).Flush()
			select {
			case <-r.gate:
			case <-req.Context().Done():
			}
			io.WriteString(w, "last")
		case "/status":
			s, _ := strconv.Atoi(req.URL.Query().Get("s"))
			w.WriteHeader(s)
		default:
			io.WriteString(w, "ok")
		}
	}))
	t.Cleanup(be.Close)
	defs, err := eskip.Parse(strings.ReplaceAll(routes, "BE", be.URL))
	if err != nil {
		t.Fatal(err)
	}
	reg := filters.Registry{}
	for _, s := range append(append(allSpecs(r.reg), status.Specs()...), path.Specs()...) {
		reg.Register(s)
	}
	table := routing.Build(defs, routing.BuildOptions{Filters: reg, Predicates: routing.PredicateRegistry{}})
	if inv := table.Invalid(); len(inv) > 0 {
		t.Fatalf("invalid routes: %+v", inv)
	}
	log := logrus.New()
	log.SetOutput(io.Discard)
	p := proxy.New(proxy.Options{Tables: fixedTables{table}, Log: log})
	srv := httptest.NewServer(p)
	t.Cleanup(func() {
		r.client.CloseIdleConnections()
		done := make(chan struct{})
		go func() { srv.Close(); close(done) }()
		select {
		case <-done:
		case <-time.After(10 * time.Second):
			t.Error("proxy requests still running 10s after the test")
			<-done
		}
		p.Close()
		r.reg.Close()
	})
	r.url = srv.URL
	return r
}

type result struct {
	status int
	body   string
	err    error
}

func (r *rig) get(ctx context.Context, path string) result {
	req, err := http.NewRequestWithContext(ctx, "GET", r.url+path, nil)
	if err != nil {
		return result{err: err}
	}
	rsp, err := r.client.Do(req)
	if err != nil {
		return result{err: err}
	}
	defer rsp.Body.Close()
	b, err := io.ReadAll(rsp.Body)
	return result{rsp.StatusCode, string(b), err}
}

// start sends a request in the background.
func (r *rig) start(ctx context.Context, path string) chan result {
	ch := make(chan result, 1)
	go func() { ch <- r.get(ctx, path) }()
	return ch
}

func (r *rig) stats(t *testing.T, kind, name string) QueueStats {
	t.Helper()
	for _, q := range r.reg.Snapshot().Queues {
		if q.Kind == kind && q.Name == name {
			return q
		}
	}
	return QueueStats{}
}

func (r *rig) arrivals() []int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]int(nil), r.arrived...)
}

func wantResult(t *testing.T, what string, got result, status int, body string) {
	t.Helper()
	if got.err != nil || got.status != status || got.body != body {
		t.Errorf("%s: %d %q %v, want %d %q", what, got.status, got.body, got.err, status, body)
	}
}

// TestProxyOrder: with one slot, waiting requests reach the backend oldest
// first through fifo, newest first through lifo and lifoGroup.
func TestProxyOrder(t *testing.T) {
	r := newRig(t, `
		fifo: Path("/fifo/hold") -> setPath("/hold") -> fifo(1, 10, "10s") -> "BE";
		lifo: Path("/lifo/hold") -> setPath("/hold") -> lifo(1, 10, "10s") -> "BE";
		group: Path("/group/hold") -> setPath("/hold") -> lifoGroup("g", 1, 10, "10s") -> "BE";
	`)
	for _, tc := range []struct {
		prefix, kind, name string
		want               []int
	}{
		{"fifo", "fifo", "fifo", []int{0, 1, 2, 3, 4}},
		{"lifo", "lifo", "lifo", []int{0, 4, 3, 2, 1}},
		{"group", "lifoGroup", "g", []int{0, 4, 3, 2, 1}},
	} {
		t.Run(tc.prefix, func(t *testing.T) {
			r.mu.Lock()
			r.arrived = nil
			r.mu.Unlock()
			var results []chan result
			for i := range 5 {
				results = append(results, r.start(context.Background(), "/"+tc.prefix+"/hold?id="+strconv.Itoa(i)))
				if i == 0 {
					waitFor(t, "first at the backend", func() bool { return len(r.arrivals()) == 1 })
				} else {
					waitFor(t, "queued", func() bool { return r.stats(t, tc.kind, tc.name).Queued == i })
				}
			}
			for range 5 {
				r.gate <- struct{}{}
			}
			for i, ch := range results {
				wantResult(t, "request "+strconv.Itoa(i), <-ch, 200, "held "+strconv.Itoa(i))
			}
			got := r.arrivals()
			if len(got) != 5 {
				t.Fatalf("arrivals %v", got)
			}
			for i := range got {
				if got[i] != tc.want[i] {
					t.Fatalf("arrivals %v, want %v", got, tc.want)
				}
			}
		})
	}
}

// TestProxyFullAndTimeout: a full queue answers 503 (fifo: the newcomer,
// lifo: the oldest waiter), a wait beyond the timeout 502, and the backend
// sees none of them.
func TestProxyFullAndTimeout(t *testing.T) {
	r := newRig(t, `
		fifo: Path("/fifo/hold") -> setPath("/hold") -> fifo(1, 1, "10s") -> "BE";
		lifo: Path("/lifo/hold") -> setPath("/hold") -> lifo(1, 1, "10s") -> "BE";
		timeout: Path("/timeout/hold") -> setPath("/hold") -> fifo(1, 5, "100ms") -> "BE";
	`)
	t.Run("fifo", func(t *testing.T) {
		r.mu.Lock()
		r.arrived = nil
		r.mu.Unlock()
		first := r.start(context.Background(), "/fifo/hold?id=0")
		waitFor(t, "first at the backend", func() bool { return len(r.arrivals()) == 1 })
		waiting := r.start(context.Background(), "/fifo/hold?id=1")
		waitFor(t, "queued", func() bool { return r.stats(t, "fifo", "fifo").Queued == 1 })
		wantResult(t, "newcomer", r.get(context.Background(), "/fifo/hold?id=2"), 503, "Service Unavailable\n")
		r.gate <- struct{}{}
		r.gate <- struct{}{}
		wantResult(t, "first", <-first, 200, "held 0")
		wantResult(t, "waiting", <-waiting, 200, "held 1")
		if got := r.arrivals(); len(got) != 2 || got[1] != 1 {
			t.Errorf("backend saw %v, want [0 1]", got)
		}
	})
	t.Run("lifo", func(t *testing.T) {
		first := r.start(context.Background(), "/lifo/hold?id=0")
		waitFor(t, "first at the backend", func() bool { return r.stats(t, "lifo", "lifo").Active == 1 })
		oldest := r.start(context.Background(), "/lifo/hold?id=1")
		waitFor(t, "queued", func() bool { return r.stats(t, "lifo", "lifo").Queued == 1 })
		newcomer := r.start(context.Background(), "/lifo/hold?id=2")
		wantResult(t, "oldest", <-oldest, 503, "Service Unavailable\n")
		waitFor(t, "newcomer queued", func() bool { return r.stats(t, "lifo", "lifo").Queued == 1 })
		r.gate <- struct{}{}
		r.gate <- struct{}{}
		wantResult(t, "first", <-first, 200, "held 0")
		wantResult(t, "newcomer", <-newcomer, 200, "held 2")
	})
	t.Run("timeout", func(t *testing.T) {
		first := r.start(context.Background(), "/timeout/hold?id=0")
		waitFor(t, "first at the backend", func() bool { return r.stats(t, "fifo", "timeout").Active == 1 })
		start := time.Now()
		wantResult(t, "timed out", r.get(context.Background(), "/timeout/hold?id=1"), 502, "Bad Gateway\n")
		if d := time.Since(start); d < 100*time.Millisecond || d > 5*time.Second {
			t.Errorf("answered after %v", d)
		}
		r.gate <- struct{}{}
		wantResult(t, "first", <-first, 200, "held 0")
		if st := r.stats(t, "fifo", "timeout"); st.RejectedTimeout != 1 || st.Active != 0 {
			t.Errorf("stats %+v", st)
		}
	})
}

// TestProxyStreamedBody: a WithBody variant holds its slot while the
// response body streams; the plain variant gives it back once the
// response header is there.
func TestProxyStreamedBody(t *testing.T) {
	r := newRig(t, `
		fifo: PathSubtree("/fifo") -> modPath("^/fifo", "") -> fifo(1, 0, "10s") -> "BE";
		fifoWithBody: PathSubtree("/fifoWithBody") -> modPath("^/fifoWithBody", "") -> fifoWithBody(1, 0, "10s") -> "BE";
		lifo: PathSubtree("/lifo") -> modPath("^/lifo", "") -> lifo(1, 1, "100ms") -> "BE";
		lifoWithBody: PathSubtree("/lifoWithBody") -> modPath("^/lifoWithBody", "") -> lifoWithBody(1, 1, "100ms") -> "BE";
		lifoGroup: PathSubtree("/lifoGroup") -> modPath("^/lifoGroup", "") -> lifoGroup("plain", 1, 1, "100ms") -> "BE";
		lifoGroupWithBody: PathSubtree("/lifoGroupWithBody") -> modPath("^/lifoGroupWithBody", "") -> lifoGroupWithBody("body", 1, 1, "100ms") -> "BE";
	`)
	for _, tc := range []struct {
		route      string
		kind, name string
		holds      bool
		refusal    int // while the slot is held: 503 full, 502 timeout
	}{
		{"fifo", "fifo", "fifo", false, 503},
		{"fifoWithBody", "fifo", "fifoWithBody", true, 503},
		{"lifo", "lifo", "lifo", false, 502},
		{"lifoWithBody", "lifo", "lifoWithBody", true, 502},
		{"lifoGroup", "lifoGroup", "plain", false, 502},
		{"lifoGroupWithBody", "lifoGroup", "body", true, 502},
	} {
		t.Run(tc.route, func(t *testing.T) {
			req, _ := http.NewRequest("GET", r.url+"/"+tc.route+"/stream", nil)
			rsp, err := r.client.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			defer rsp.Body.Close()
			first := make([]byte, 5)
			if _, err := io.ReadFull(rsp.Body, first); err != nil || string(first) != "first" {
				t.Fatalf("first chunk %q %v", first, err)
			}
			// The body is streaming.
			other := r.get(context.Background(), "/"+tc.route+"/other")
			if tc.holds {
				wantResult(t, "while streaming", other, tc.refusal, http.StatusText(tc.refusal)+"\n")
				if st := r.stats(t, tc.kind, tc.name); st.Active != 1 {
					t.Errorf("stats while streaming %+v", st)
				}
			} else {
				wantResult(t, "while streaming", other, 200, "ok")
			}
			r.gate <- struct{}{}
			rest, err := io.ReadAll(rsp.Body)
			if err != nil || string(rest) != "last" {
				t.Fatalf("rest %q %v", rest, err)
			}
			waitFor(t, "slot back", func() bool { return r.stats(t, tc.kind, tc.name).Active == 0 })
			wantResult(t, "after the stream", r.get(context.Background(), "/"+tc.route+"/other"), 200, "ok")
		})
	}
}

// TestProxyClientLeaves: a client that gives up while queued leaves the
// queue; its place goes to the next request instead of a 503.
func TestProxyClientLeaves(t *testing.T) {
	r := newRig(t, `
		fifo: Path("/hold") -> fifo(1, 1, "10s") -> "BE";
		lifo: Path("/stream") -> lifoWithBody(1, 1, "10s") -> "BE";
	`)
	first := r.start(context.Background(), "/hold?id=0")
	waitFor(t, "first at the backend", func() bool { return r.stats(t, "fifo", "fifo").Active == 1 })
	ctx, cancel := context.WithCancel(context.Background())
	leaving := r.start(ctx, "/hold?id=1")
	waitFor(t, "queued", func() bool { return r.stats(t, "fifo", "fifo").Queued == 1 })
	cancel()
	if got := <-leaving; !errors.Is(got.err, context.Canceled) {
		t.Fatalf("leaving client: %+v", got)
	}
	waitFor(t, "left the queue", func() bool { st := r.stats(t, "fifo", "fifo"); return st.Queued == 0 && st.Left == 1 })
	next := r.start(context.Background(), "/hold?id=2")
	waitFor(t, "queued", func() bool { return r.stats(t, "fifo", "fifo").Queued == 1 })
	r.gate <- struct{}{}
	r.gate <- struct{}{}
	wantResult(t, "first", <-first, 200, "held 0")
	wantResult(t, "next", <-next, 200, "held 2")
	if got := r.arrivals(); len(got) != 2 || got[1] != 2 {
		t.Errorf("arrivals %v: the client that left reached the backend", got)
	}

	// A client that leaves in the middle of a streamed body gives its slot
	// back.
	ctx, cancel = context.WithCancel(context.Background())
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, "GET", r.url+"/stream", nil)
	rsp, err := r.client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	first5 := make([]byte, 5)
	io.ReadFull(rsp.Body, first5)
	if st := r.stats(t, "lifo", "lifo"); st.Active != 1 {
		t.Fatalf("stats while streaming %+v", st)
	}
	cancel()
	rsp.Body.Close()
	waitFor(t, "slot back", func() bool { return r.stats(t, "lifo", "lifo").Active == 0 })
}

// TestProxyErrorsGiveSlotsBack: an error response of the proxy and an
// answer of a later filter give the slot back.
func TestProxyErrorsGiveSlotsBack(t *testing.T) {
	r := newRig(t, `
		unreachable: Path("/unreachable") -> fifoWithBody(1, 0, "10s") -> "http://127.0.0.1:1";
		answered: Path("/answered") -> lifo(1, 0, "10s") -> inlineContent("inline") -> <shunt>;
	`)
	for range 3 {
		if got := r.get(context.Background(), "/unreachable"); got.status != 502 {
			t.Fatalf("unreachable: %+v", got)
		}
		wantResult(t, "answered", r.get(context.Background(), "/answered"), 200, "inline")
	}
	waitFor(t, "slots back", func() bool {
		return r.stats(t, "fifo", "unreachable").Active == 0 && r.stats(t, "lifo", "answered").Active == 0
	})
	if st := r.stats(t, "fifo", "unreachable"); st.Admitted != 3 || st.RejectedFull != 0 {
		t.Errorf("stats %+v", st)
	}
}

// TestProxyAdmissionControl: with a failing backend the filter starts
// rejecting (503 with Admission-Control: true, the backend not called);
// once the backend is well again it lets requests through.
func TestProxyAdmissionControl(t *testing.T) {
	r := newRig(t, `
		app: Path("/status") -> admissionControl("app", "active", "50ms", 2, 0, 0.95, 0.9, 1) -> "BE";
	`)
	r.reg.rand = func() float64 { return 0.5 }
	backend := "500"
	rejected := false
	deadline := time.Now().Add(5 * time.Second)
	for !rejected {
		if time.Now().After(deadline) {
			t.Fatal("no rejection within 5s of failures")
		}
		hits := r.hits.Load()
		req, _ := http.NewRequest("GET", r.url+"/status?s="+backend, nil)
		rsp, err := r.client.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		io.Copy(io.Discard, rsp.Body)
		rsp.Body.Close()
		switch rsp.StatusCode {
		case 500:
		case 503:
			if rsp.Header.Get("Admission-Control") != "true" || r.hits.Load() != hits {
				t.Fatalf("503 without the header or after calling the backend")
			}
			rejected = true
		default:
			t.Fatalf("status %d", rsp.StatusCode)
		}
		time.Sleep(2 * time.Millisecond)
	}
	backend = "200"
	ok := 0
	deadline = time.Now().Add(5 * time.Second)
	for ok < 50 {
		if time.Now().After(deadline) {
			t.Fatalf("only %d requests passed within 5s of recovery", ok)
		}
		got := r.get(context.Background(), "/status?s="+backend)
		switch got.status {
		case 200:
			ok++
		case 503:
			ok = 0
		default:
			t.Fatalf("%+v", got)
		}
		time.Sleep(time.Millisecond)
	}
	snap := r.reg.Snapshot().AdmissionControl
	if len(snap) != 1 || snap[0].Route != "app" || snap[0].Rejected == 0 || snap[0].RejectProbability != 0 {
		t.Errorf("snapshot %+v", snap)
	}
}

// TestProxyBackendRatelimit: a network route's endpoint is limited across
// the routes of the group, without calling the backend over the limit.
func TestProxyBackendRatelimit(t *testing.T) {
	r := newRig(t, `
		foo: Path("/foo") -> backendRatelimit("g", 2, "1m") -> "BE";
		bar: Path("/bar") -> backendRatelimit("g", 2, "1m", 429) -> "BE";
		other: Path("/other") -> backendRatelimit("other", 1, "1m") -> "BE";
	`)
	wantResult(t, "1", r.get(context.Background(), "/foo"), 200, "ok")
	wantResult(t, "2", r.get(context.Background(), "/bar"), 200, "ok")
	wantResult(t, "3", r.get(context.Background(), "/foo"), 503, "Service Unavailable\n")
	wantResult(t, "4", r.get(context.Background(), "/bar"), 429, "Too Many Requests\n")
	wantResult(t, "other group", r.get(context.Background(), "/other"), 200, "ok")
	if got := r.hits.Load(); got != 3 {
		t.Errorf("backend got %d requests, want 3", got)
	}
}
