package tee_test

import (
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/skiff-proxy/skiff/eskip"
	"github.com/skiff-proxy/skiff/filters"
	"github.com/skiff-proxy/skiff/filters/tee"
	"github.com/skiff-proxy/skiff/predicates"
	teepred "github.com/skiff-proxy/skiff/predicates/tee"
	"github.com/skiff-proxy/skiff/proxy"
	"github.com/skiff-proxy/skiff/routing"
)

type fixedTables struct{ t *routing.Table }

func (f fixedTables) Acquire() *routing.Table { return f.t }

// hit is one request a test backend received.
type hit struct {
	name, method, uri, teeHeader, body string
}

// backend answers with its name and reports what it got on hits.
func backend(t *testing.T, name string, hits chan<- hit) string {
	t.Helper()
	s := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		hits <- hit{name: name, method: r.Method, uri: r.RequestURI, teeHeader: r.Header.Get(tee.LoopbackHeader), body: string(b)}
		w.Header().Set("Content-Type", "text/plain")
		io.WriteString(w, name+" answer")
	}))
	t.Cleanup(s.Close)
	return s.URL
}

// serve runs routes in a real proxy whose teeLoopback copies go back to
// it. rand is what Traffic draws.
func serve(t *testing.T, routes string, rand float64) (*httptest.Server, *tee.Shadow) {
	t.Helper()
	defs, err := eskip.Parse(routes)
	if err != nil {
		t.Fatal(err)
	}
	shadow := tee.NewShadow(tee.Options{})
	reg := filters.Registry{}
	for _, s := range append(tee.Specs(shadow), tee.LoopbackSpec(shadow), tee.ResponseSpec(shadow)) {
		reg.Register(s)
	}
	preds := routing.PredicateRegistry{}
	predicates.Register(preds, predicates.Options{Rand: func() float64 { return rand }})
	preds.Register(teepred.New())
	table := routing.Build(defs, routing.BuildOptions{Filters: reg, Predicates: preds})
	if inv := table.Invalid(); len(inv) > 0 {
		t.Fatalf("invalid routes: %+v", inv)
	}
	p := proxy.New(proxy.Options{Tables: fixedTables{table}})
	shadow.SetRouter(p)
	srv := httptest.NewServer(p)
	t.Cleanup(func() {
		srv.Close()
		shadow.Close() // copies in flight end before the proxy closes
		p.Close()
	})
	return srv, shadow
}

func collect(t *testing.T, hits <-chan hit, n int) map[string][]hit {
	t.Helper()
	got := map[string][]hit{}
	for range n {
		select {
		case h := <-hits:
			got[h.name] = append(got[h.name], h)
		case <-time.After(10 * time.Second):
			t.Fatalf("only %d of %d requests arrived: %+v", len(got), n, got)
		}
	}
	return got
}

// quiet fails when another request arrives within a moment.
func quiet(t *testing.T, hits <-chan hit) {
	t.Helper()
	select {
	case h := <-hits:
		t.Fatalf("unexpected request %+v", h)
	case <-time.After(100 * time.Millisecond):
	}
}

func post(t *testing.T, url, body string, header http.Header) string {
	t.Helper()
	req, err := http.NewRequest("POST", url, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range header {
		req.Header[k] = v
	}
	rsp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer rsp.Body.Close()
	b, err := io.ReadAll(rsp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// TestTeeLoopbackThroughProxy runs skipper's documented example: 10% of
// the traffic is copied to the route Tee("test-A") selects.
func TestTeeLoopbackThroughProxy(t *testing.T) {
	defer http.DefaultClient.CloseIdleConnections()
	hits := make(chan hit, 10)
	routes := strings.NewReplacer("MAIN", backend(t, "main", hits), "TEST", backend(t, "test", hits)).Replace(`
		main: * -> "MAIN";
		split: Traffic(.1) -> teeLoopback("test-A") -> "MAIN";
		shadow: Tee("test-A") && True() -> "TEST";
	`)
	body := strings.Repeat("payload ", 20000)

	t.Run("in the 10%", func(t *testing.T) {
		srv, shadow := serve(t, routes, 0.05)
		if got := post(t, srv.URL+"/api?q=1", body, nil); got != "main answer" {
			t.Fatalf("client got %q", got)
		}
		got := collect(t, hits, 2)
		want := hit{method: "POST", uri: "/api?q=1", body: body}
		m, c := got["main"], got["test"]
		if len(m) != 1 || len(c) != 1 {
			t.Fatalf("got %+v", got)
		}
		if m[0].method != want.method || m[0].uri != want.uri || m[0].body != want.body || m[0].teeHeader != "" {
			t.Errorf("main backend got %s %s %q, %d bytes", m[0].method, m[0].uri, m[0].teeHeader, len(m[0].body))
		}
		if c[0].method != want.method || c[0].uri != want.uri || c[0].body != want.body || c[0].teeHeader != "test-A" {
			t.Errorf("test backend got %s %s %q, %d bytes", c[0].method, c[0].uri, c[0].teeHeader, len(c[0].body))
		}
		quiet(t, hits)
		if shadow.Sent() != 1 {
			t.Errorf("sent %d", shadow.Sent())
		}
	})

	t.Run("outside the 10%", func(t *testing.T) {
		srv, shadow := serve(t, routes, 0.5)
		// The header a copy carries does not make a client's request one.
		if got := post(t, srv.URL+"/api", "x", http.Header{"X-Tee-Loopback-Key": {"test-A"}}); got != "main answer" {
			t.Fatalf("client got %q", got)
		}
		if got := collect(t, hits, 1); len(got["main"]) != 1 {
			t.Fatalf("got %+v", got)
		}
		quiet(t, hits)
		if shadow.Sent() != 0 {
			t.Errorf("sent %d", shadow.Sent())
		}
	})
}

// TestTeeLoopbackNoLoop: a route that matches its own copy copies once.
func TestTeeLoopbackNoLoop(t *testing.T) {
	defer http.DefaultClient.CloseIdleConnections()
	hits := make(chan hit, 10)
	srv, shadow := serve(t, `all: * -> teeLoopback("x") -> "`+backend(t, "main", hits)+`";`, 0)
	if got := post(t, srv.URL+"/", "b", nil); got != "main answer" {
		t.Fatalf("client got %q", got)
	}
	got := collect(t, hits, 2)["main"]
	if len(got) != 2 || got[0].body != "b" || got[1].body != "b" || got[0].teeHeader+got[1].teeHeader != "x" {
		t.Fatalf("got %+v", got)
	}
	quiet(t, hits)
	if shadow.Sent() != 1 {
		t.Errorf("sent %d", shadow.Sent())
	}
}

// TestTeeResponseThroughProxy: skipper's example; the collector gets the
// body the client gets.
func TestTeeResponseThroughProxy(t *testing.T) {
	defer http.DefaultClient.CloseIdleConnections()
	hits := make(chan hit, 10)
	routes := strings.NewReplacer("COLLECT", backend(t, "collector", hits), "API", backend(t, "api", hits)).Replace(`
		r: * -> teeResponse("COLLECT/responses") -> "API";
	`)
	srv, _ := serve(t, routes, 0)
	if got := post(t, srv.URL+"/x", "req", nil); got != "api answer" {
		t.Fatalf("client got %q", got)
	}
	got := collect(t, hits, 2)
	if a := got["api"]; len(a) != 1 || a[0].uri != "/x" || a[0].body != "req" {
		t.Errorf("api got %+v", a)
	}
	if c := got["collector"]; len(c) != 1 || c[0].method != "POST" || c[0].uri != "/responses" || c[0].body != "api answer" {
		t.Errorf("collector got %+v", c)
	}
}
