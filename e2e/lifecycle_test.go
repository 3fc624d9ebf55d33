package e2e

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/skiff-proxy/skiff"
)

// TestRouteChangeUnderLoad rewrites the routes file back and forth between
// two backends while clients keep sending requests: every request must
// succeed, and both backends must have served.
func TestRouteChangeUnderLoad(t *testing.T) {
	a := newBackend(t, "a", nil)
	b := newBackend(t, "b", nil)
	doc := func(u string) string {
		return routes(fmt.Sprintf(`r: * -> %q;`, u), `other: Path("/other") -> inlineContent("x") -> <shunt>;`)
	}
	in := start(t, doc(a.URL), skiff.Options{})

	var failures, total atomic.Int64
	var firstErr atomic.Value
	stop := make(chan struct{})
	var wg sync.WaitGroup
	for w := 0; w < 8; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				select {
				case <-stop:
					return
				default:
				}
				rsp, err := in.client.Get(in.url + "/load")
				total.Add(1)
				if err != nil {
					failures.Add(1)
					firstErr.CompareAndSwap(nil, err.Error())
					continue
				}
				io.Copy(io.Discard, rsp.Body)
				rsp.Body.Close()
				if rsp.StatusCode != 200 {
					failures.Add(1)
					firstErr.CompareAndSwap(nil, fmt.Sprintf("status %d", rsp.StatusCode))
				}
			}
		}()
	}
	for i := 0; i < 10; i++ {
		time.Sleep(30 * time.Millisecond)
		target := b
		if i%2 == 1 {
			target = a
		}
		writeFile(t, in.routesFile, doc(target.URL))
		// Wait until the change is live before the next one.
		waitFor(t, func() bool {
			rsp, err := in.client.Get(in.support + "/routes?nopretty")
			if err != nil {
				return false
			}
			body, _ := io.ReadAll(rsp.Body)
			rsp.Body.Close()
			return strings.Contains(string(body), target.URL)
		})
	}
	close(stop)
	wg.Wait()
	if failures.Load() != 0 {
		t.Errorf("%d of %d requests failed during route changes, first: %v", failures.Load(), total.Load(), firstErr.Load())
	}
	if a.hits.Load() == 0 || b.hits.Load() == 0 {
		t.Errorf("backend hits a=%d b=%d: the changes did not take effect", a.hits.Load(), b.hits.Load())
	}
}

// TestGracefulShutdown: a slow request in flight when shutdown starts
// completes; /health turns 503 during the drain period while the proxy
// still serves; afterwards new connections are refused and Run returns nil.
func TestGracefulShutdown(t *testing.T) {
	release := make(chan struct{})
	slow := newBackend(t, "slow", func(w http.ResponseWriter, r *http.Request) {
		<-release
		io.WriteString(w, "finally\n")
	})
	fast := newBackend(t, "fast", nil)
	in := start(t, routes(
		fmt.Sprintf(`slow: Path("/slow") -> %q;`, slow.URL),
		fmt.Sprintf(`fast: Path("/fast") -> %q;`, fast.URL),
		`down: Path("/down") && Shutdown() -> status(503) -> inlineContent("going away") -> <shunt>;`,
		`up: Path("/down") -> inlineContent("up") -> <shunt>;`,
	), skiff.Options{WaitForHealthcheckInterval: 300 * time.Millisecond, ShutdownTimeout: 5 * time.Second})

	if r := in.get(t, "/down"); r.body != "up" {
		t.Fatalf("Shutdown() matched before shutdown: %q", r.body)
	}
	type result struct {
		status int
		body   string
		err    error
	}
	slowDone := make(chan result, 1)
	go func() {
		// A client of its own: the slow connection must not be reused.
		c := &http.Client{Transport: &http.Transport{}}
		defer c.CloseIdleConnections()
		rsp, err := c.Get(in.url + "/slow")
		if err != nil {
			slowDone <- result{err: err}
			return
		}
		b, err := io.ReadAll(rsp.Body)
		rsp.Body.Close()
		slowDone <- result{rsp.StatusCode, string(b), err}
	}()
	waitFor(t, func() bool { return slow.hits.Load() == 1 })

	in.cancel()
	health := func() int {
		rsp, err := in.client.Get(in.support + "/health")
		if err != nil {
			return 0
		}
		rsp.Body.Close()
		return rsp.StatusCode
	}
	waitFor(t, func() bool { return health() == 503 })
	// Draining: still serving, and Shutdown() matches now.
	if r := in.get(t, "/fast"); r.status != 200 {
		t.Errorf("during drain: status %d", r.status)
	}
	if r := in.get(t, "/down"); r.status != 503 || r.body != "going away" {
		t.Errorf("Shutdown() during drain: %d %q", r.status, r.body)
	}
	in.client.CloseIdleConnections()

	// After the drain period the listener closes while /slow is in flight.
	fresh := &http.Client{Transport: &http.Transport{DisableKeepAlives: true}}
	waitFor(t, func() bool {
		rsp, err := fresh.Get(in.url + "/fast")
		if err != nil {
			return true
		}
		io.Copy(io.Discard, rsp.Body)
		rsp.Body.Close()
		return false
	})
	select {
	case r := <-slowDone:
		t.Fatalf("slow request ended before the backend answered: %+v", r)
	default:
	}
	close(release)
	r := <-slowDone
	if r.err != nil || r.status != 200 || r.body != "finally\n" {
		t.Errorf("in-flight request: %+v", r)
	}
	if err := in.stop(t); err != nil {
		t.Errorf("Run returned %v after a clean shutdown", err)
	}
}

func TestRoutesEndpoint(t *testing.T) {
	in := start(t, routes(
		`b: Path("/b") -> inlineContent("b") -> <shunt>;`,
		`a: Path("/a") -> setPath("/x") -> <loopback>;`,
		`bad: Path("/bad") -> noSuchFilter() -> <shunt>;`,
	), skiff.Options{})
	rsp, err := in.client.Get(in.support + "/routes?nopretty")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(rsp.Body)
	rsp.Body.Close()
	want := "a: Path(\"/a\") -> setPath(\"/x\") -> <loopback>;\nb: Path(\"/b\") -> inlineContent(\"b\") -> <shunt>;\n"
	if string(body) != want || rsp.Header.Get("X-Count") != "2" {
		t.Errorf("routes %q (X-Count %s), want %q", body, rsp.Header.Get("X-Count"), want)
	}

	req, _ := http.NewRequest("GET", in.support+"/routes?invalid=true", nil)
	req.Header.Set("Accept", "application/json")
	rsp, err = in.client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	var inv []map[string]string
	err = json.NewDecoder(rsp.Body).Decode(&inv)
	rsp.Body.Close()
	if err != nil {
		t.Fatal(err)
	}
	if len(inv) != 1 || inv[0]["id"] != "bad" || inv[0]["reason"] != "unknown_filter" ||
		!strings.Contains(inv[0]["error"], "noSuchFilter") || !strings.Contains(inv[0]["position"], ":3:") {
		t.Errorf("invalid routes %v", inv)
	}
}

func TestAccessLogJSON(t *testing.T) {
	in := start(t, routes(`r: * -> status(201) -> inlineContent("made") -> <shunt>;`),
		skiff.Options{AccessLogJSON: true})
	in.get(t, "/thing?x=1", "User-Agent", "e2e-agent", "Referer", "http://ref/")
	var line string
	waitFor(t, func() bool {
		line = in.access.String()
		return strings.HasSuffix(line, "\n")
	})
	var e map[string]any
	if err := json.Unmarshal([]byte(line), &e); err != nil {
		t.Fatalf("access log %q: %v", line, err)
	}
	for k, v := range map[string]any{"method": "GET", "uri": "/thing?x=1", "status": 201.0,
		"response-size": 4.0, "user-agent": "e2e-agent", "referer": "http://ref/", "proto": "HTTP/1.1"} {
		if e[k] != v {
			t.Errorf("%s: %v, want %v", k, e[k], v)
		}
	}
}

func TestAccessLogSwitches(t *testing.T) {
	for _, tc := range []struct {
		name     string
		disabled bool
		logged   []string
		silent   []string
	}{
		{"enabled", false, []string{"/plain", "/on"}, []string{"/off"}},
		{"disabled", true, []string{"/on"}, []string{"/plain", "/off"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			in := start(t, routes(
				`plain: Path("/plain") -> inlineContent("p") -> <shunt>;`,
				`on: Path("/on") -> enableAccessLog() -> inlineContent("on") -> <shunt>;`,
				`off: Path("/off") -> disableAccessLog() -> inlineContent("off") -> <shunt>;`,
			), skiff.Options{AccessLogDisabled: tc.disabled})
			for _, p := range []string{"/off", "/plain", "/on"} {
				in.get(t, p)
			}
			// Stopping flushes the log.
			in.stop(t)
			log := in.access.String()
			for _, p := range tc.logged {
				if !strings.Contains(log, `"GET `+p+` HTTP/1.1"`) {
					t.Errorf("%s not logged:\n%s", p, log)
				}
			}
			for _, p := range tc.silent {
				if strings.Contains(log, `"GET `+p+` HTTP/1.1"`) {
					t.Errorf("%s logged:\n%s", p, log)
				}
			}
		})
	}
}

// TestShutdownTimeoutBoundsInFlight: a request that outlives
// ShutdownTimeout has its connection closed and Run still returns.
func TestShutdownTimeoutBoundsInFlight(t *testing.T) {
	release := make(chan struct{})
	defer close(release)
	stuck := newBackend(t, "stuck", func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-release:
		case <-r.Context().Done():
		}
	})
	in := start(t, routes(fmt.Sprintf(`r: * -> %q;`, stuck.URL)), skiff.Options{ShutdownTimeout: 200 * time.Millisecond})
	errc := make(chan error, 1)
	go func() {
		rsp, err := in.client.Get(in.url + "/stuck")
		if err == nil {
			_, err = io.ReadAll(rsp.Body)
			rsp.Body.Close()
		}
		errc <- err
	}()
	waitFor(t, func() bool { return stuck.hits.Load() == 1 })
	began := time.Now()
	if err := in.stop(t); err != nil {
		t.Errorf("Run: %v", err)
	}
	if d := time.Since(began); d > 5*time.Second {
		t.Errorf("Run took %s to return with a 200ms shutdown timeout", d)
	}
	if err := <-errc; err == nil {
		t.Error("the stuck request succeeded; its connection should have been closed")
	}
}

// TestAccessLogFlowId: the id the flowId filter generates reaches the
// access log and matches the one the backend received.
func TestAccessLogFlowId(t *testing.T) {
	var got atomic.Value
	got.Store("")
	backend := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		got.Store(r.Header.Get("X-Flow-Id"))
	}))
	defer backend.Close()
	in := start(t, routes(`r: * -> flowId() -> "`+backend.URL+`";`), skiff.Options{AccessLogJSON: true})
	in.get(t, "/")
	in.stop(t)
	var e map[string]any
	if err := json.Unmarshal([]byte(in.access.String()), &e); err != nil {
		t.Fatalf("access log %q: %v", in.access.String(), err)
	}
	if id := got.Load().(string); id == "" || e["flow-id"] != id {
		t.Errorf("flow-id in log %v, backend got %q", e["flow-id"], id)
	}
}
