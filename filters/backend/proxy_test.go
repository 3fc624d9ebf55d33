package backend_test

import (
	"bufio"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/textproto"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/skiff-proxy/skiff/eskip"
	"github.com/skiff-proxy/skiff/filters"
	"github.com/skiff-proxy/skiff/filters/backend"
	"github.com/skiff-proxy/skiff/healthcheck"
	"github.com/skiff-proxy/skiff/loadbalancer"
	"github.com/skiff-proxy/skiff/proxy"
	"github.com/skiff-proxy/skiff/routing"
)

type fixedTables struct{ t *routing.Table }

func (f fixedTables) Acquire() *routing.Table { return f.t }

// proxyHit is the head of a request as a forward proxy read it off the
// wire: net/http's server would hide the Host field of an absolute-form
// request.
type proxyHit struct {
	proxy, line, host, body string
}

// fakeProxy is an HTTP forward proxy that answers every request itself.
func fakeProxy(t *testing.T, name string, hits chan<- proxyHit) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	conns := make(chan net.Conn, 16)
	wg.Add(1)
	go func() {
		defer wg.Done()
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			conns <- c
			wg.Add(1)
			go func() {
				defer wg.Done()
				defer c.Close()
				tp := textproto.NewReader(bufio.NewReader(c))
				for {
					line, err := tp.ReadLine()
					if err != nil {
						return
					}
					h, err := tp.ReadMIMEHeader()
					if err != nil {
						return
					}
					n, _ := strconv.Atoi(h.Get("Content-Length"))
					b := make([]byte, n)
					if _, err := io.ReadFull(tp.R, b); err != nil {
						return
					}
					hits <- proxyHit{proxy: name, line: line, host: h.Get("Host"), body: string(b)}
					io.WriteString(c, "HTTP/1.1 200 OK\r\nContent-Length: 8\r\n\r\nproxy ok")
				}
			}()
		}
	}()
	t.Cleanup(func() {
		ln.Close()
		for {
			select {
			case c := <-conns:
				c.Close()
				continue
			default:
			}
			break
		}
		wg.Wait()
	})
	return "http://" + ln.Addr().String()
}

// TestBackendIsProxyThroughProxy runs skipper's three examples: a network,
// a load-balanced and a dynamic backend that are HTTP proxies. The
// request reaches them in absolute form for the Host the client asked
// for, which is also the Host field (RFC 9112 §3.2).
func TestBackendIsProxyThroughProxy(t *testing.T) {
	hits := make(chan proxyHit, 10)
	p1, p2 := fakeProxy(t, "p1", hits), fakeProxy(t, "p2", hits)
	routes := strings.NewReplacer("P1", p1, "P2", p2).Replace(`
		foo1: Path("/foo1") -> backendIsProxy() -> "P1";
		foo2: Path("/foo2") -> backendIsProxy() -> <roundRobin, "P1", "P2">;
		foo3: Path("/foo3") -> setDynamicBackendUrl("P2") -> backendIsProxy() -> <dynamic>;
	`)
	defs, err := eskip.Parse(routes)
	if err != nil {
		t.Fatal(err)
	}
	reg := filters.Registry{}
	for _, s := range append(backend.Specs(), backend.ProxySpec()) {
		reg.Register(s)
	}
	table := routing.Build(defs, routing.BuildOptions{
		Filters:        reg,
		Predicates:     routing.PredicateRegistry{},
		PostProcessors: []routing.PostProcessor{loadbalancer.NewPostProcessor(healthcheck.New(healthcheck.Config{}))},
	})
	if inv := table.Invalid(); len(inv) > 0 {
		t.Fatalf("invalid routes: %+v", inv)
	}
	px := proxy.New(proxy.Options{Tables: fixedTables{table}})
	defer px.Close()
	srv := httptest.NewServer(px)
	defer srv.Close()
	client := srv.Client()
	defer client.CloseIdleConnections()

	send := func(t *testing.T, method, path, body string) (proxyHit, int, string) {
		t.Helper()
		req, err := http.NewRequest(method, srv.URL+path, strings.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		req.Host = "www.example.org"
		rsp, err := client.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(rsp.Body)
		rsp.Body.Close()
		select {
		case got := <-hits:
			return got, rsp.StatusCode, string(b)
		case <-time.After(10 * time.Second):
			t.Fatalf("no proxy got the request; client got %d %q", rsp.StatusCode, b)
			return proxyHit{}, 0, ""
		}
	}
	if got, _, _ := send(t, "GET", "/foo1", ""); strings.HasPrefix(got.line, "GET /") {
		t.Fatalf("the backend got the origin-form request %s", got.line)
	}

	for _, tc := range []struct {
		path, method, body string
		proxies            []string // one of them
	}{
		{"/foo1?q=1&r=%20", "GET", "", []string{"p1"}},
		{"/foo2", "POST", "payload", []string{"p1", "p2"}},
		{"/foo3", "PUT", "x", []string{"p2"}},
	} {
		t.Run(tc.path, func(t *testing.T) {
			got, status, body := send(t, tc.method, tc.path, tc.body)
			want := tc.method + " http://www.example.org" + tc.path + " HTTP/1.1"
			if got.line != want || got.host != "www.example.org" || got.body != tc.body || !contains(tc.proxies, got.proxy) {
				t.Errorf("proxy %s got %q Host %q body %q, want %q Host www.example.org body %q at one of %v",
					got.proxy, got.line, got.host, got.body, want, tc.body, tc.proxies)
			}
			if status != 200 || body != "proxy ok" {
				t.Errorf("client got %d %q", status, body)
			}
		})
	}
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}
