package proxytest

import (
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/skiff-proxy/skiff/eskip"
	"github.com/skiff-proxy/skiff/filters"
	"github.com/skiff-proxy/skiff/proxy"
	"github.com/skiff-proxy/skiff/routing"
)

// Options say what the routes are built with and how the proxy runs.
type Options struct {
	Filters    []filters.Spec
	Predicates []routing.PredicateSpec
	// Proxy configures the proxy; Serve sets its Tables.
	Proxy proxy.Options
}

// Server is a proxy serving fixed routes on a loopback httptest server.
type Server struct {
	*httptest.Server
	Proxy *proxy.Proxy
	// Client talks to the server; its idle connections are closed with it.
	Client *http.Client
}

// Serve parses routes, builds them with o's filters and predicates (a route
// that is not valid fails the test) and serves them through a proxy until
// the test ends. Closing waits at most 10 s for requests in flight: a
// filter that outlives its client fails the test instead of hanging it.
func Serve(t testing.TB, routes string, o Options) *Server {
	t.Helper()
	defs, err := eskip.Parse(routes)
	if err != nil {
		t.Fatalf("routes: %v", err)
	}
	freg := filters.Registry{}
	for _, s := range o.Filters {
		freg.Register(s)
	}
	preg := routing.PredicateRegistry{}
	for _, s := range o.Predicates {
		preg.Register(s)
	}
	table := routing.Build(defs, routing.BuildOptions{Filters: freg, Predicates: preg})
	if inv := table.Invalid(); len(inv) > 0 {
		t.Fatalf("invalid routes: %+v", inv)
	}
	po := o.Proxy
	po.Tables = fixedTable{table}
	p := proxy.New(po)
	s := &Server{Server: httptest.NewServer(p), Proxy: p, Client: &http.Client{}}
	t.Cleanup(func() {
		s.Client.CloseIdleConnections()
		done := make(chan struct{})
		go func() {
			s.Server.Close()
			close(done)
		}()
		select {
		case <-done:
		case <-time.After(10 * time.Second):
			t.Error("proxytest: requests still running 10s after the test")
		}
		_ = p.Close()
	})
	return s
}

// fixedTable serves one routing table.
type fixedTable struct{ t *routing.Table }

func (f fixedTable) Acquire() *routing.Table { return f.t }
