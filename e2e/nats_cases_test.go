package e2e

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	skiff "github.com/skiff-proxy/skiff"
	"github.com/skiff-proxy/skiff/accesslog"
	"github.com/skiff-proxy/skiff/dataclients/nats"
	"github.com/skiff-proxy/skiff/dataclients/nats/natstest"
)

// Spec §18 cases 28, 39, 41 (raw HTTP/1.0), 43, 44, 47, 52 and
// X-CF-Process-Instance targeting (§11), against a real NATS server and
// real backends. The status listener, health, drain and /varz cases are
// in nats_status_test.go.

// ncStartGorouterLog is nrStart (no start delay) with the access log in
// gorouter's format, in the instance's access buffer.
func ncStartGorouterLog(t *testing.T) *natsRouter {
	t.Helper()
	return startNATSRouterWith(t, natstest.Start(t), func(o *skiff.Options) {
		o.NATS.StartDelay = -1
		o.AccessLogFormat = accesslog.FormatGorouter
	})
}

// ncRawResponse is a response read off a raw connection: the bytes as
// they came, parsed, and whether the server closed the connection after
// it.
type ncRawResponse struct {
	raw    string
	status int
	header http.Header
	body   string
	closed bool
}

// ncRaw writes req as it is to addr (host:port) and reads one response.
// closed reports that the server then closed the connection (EOF within a
// second).
func ncRaw(t *testing.T, addr, req string) ncRawResponse {
	t.Helper()
	conn, err := net.DialTimeout("tcp", addr, 5*time.Second)
	if err != nil {
		t.Fatalf("dial %s: %v", addr, err)
	}
	defer conn.Close()
	conn.SetDeadline(time.Now().Add(5 * time.Second))
	if _, err := io.WriteString(conn, req); err != nil {
		t.Fatalf("write: %v", err)
	}
	var raw strings.Builder
	br := bufio.NewReader(io.TeeReader(conn, &raw))
	rsp, err := http.ReadResponse(br, nil)
	if err != nil {
		t.Fatalf("reading the response to %q: %v (read %q)", req, err, raw.String())
	}
	body, err := io.ReadAll(rsp.Body)
	rsp.Body.Close()
	if err != nil {
		t.Fatalf("reading the body: %v", err)
	}
	out := ncRawResponse{status: rsp.StatusCode, header: rsp.Header, body: string(body)}
	conn.SetDeadline(time.Now().Add(time.Second))
	_, err = br.ReadByte()
	out.closed = errors.Is(err, io.EOF)
	out.raw = raw.String()
	return out
}

// ncAddr is the host:port of a base URL.
func ncAddr(url string) string {
	return url[strings.Index(url, "://")+3:]
}

// ncCheck compares the status, body and the given headers (name, value;
// "" means absent) of a response with the expected ones.
func ncCheck(t *testing.T, what string, status int, header http.Header, body string, wantStatus int, wantBody string, wantHeaders ...string) {
	t.Helper()
	ok := status == wantStatus && body == wantBody
	for i := 0; i+1 < len(wantHeaders); i += 2 {
		name, want := wantHeaders[i], wantHeaders[i+1]
		if vs := header.Values(name); want == "" && len(vs) != 0 || want != "" && (len(vs) != 1 || vs[0] != want) {
			ok = false
			t.Errorf("%s: header %s %q, want %q", what, name, vs, want)
		}
	}
	if !ok {
		t.Errorf("%s: %d %q (headers %v), want %d %q", what, status, body, header, wantStatus, wantBody)
	}
}

// Spec §18 case 28: three endpoints, 300 sequential requests, exactly 100
// each.
func TestNATSRoundRobinExactness(t *testing.T) {
	t.Parallel()
	r := nrStart(t, nil)
	var eps []string
	for i := range 3 {
		be := newBackend(t, fmt.Sprint("rr", i), nil)
		host, port := nrHostPort(t, be.URL)
		r.nrKeep(t, nrReg(host, port, []string{"rr.test"}))
		eps = append(eps, fmt.Sprintf("http://%s:%d", host, port))
	}
	r.nrWaitPool(t, "rr.test", eps...)
	counts := map[string]int{}
	for range 300 {
		rsp := r.get(t, "/", "Host", "rr.test")
		if rsp.status != 200 {
			t.Fatalf("got %d %q", rsp.status, rsp.body)
		}
		counts[rsp.header.Get("X-Backend")]++
	}
	if want := map[string]int{"rr0": 100, "rr1": 100, "rr2": 100}; fmt.Sprint(counts) != fmt.Sprint(want) {
		t.Errorf("requests per endpoint %v, want %v", counts, want)
	}
}

// ncLine waits for the access-log line containing s and returns it
// (without the newline). Exactly one such line must be there.
func ncLine(t *testing.T, in *instance, s string) string {
	t.Helper()
	var lines []string
	waitFor(t, func() bool {
		lines = nil
		for _, l := range strings.Split(in.access.String(), "\n") {
			if strings.Contains(l, s) {
				lines = append(lines, l)
			}
		}
		return len(lines) > 0
	})
	if len(lines) != 1 {
		t.Errorf("%d access-log lines with %q, want 1:\n%s", len(lines), s, strings.Join(lines, "\n"))
	}
	return lines[0]
}

// Spec §18 case 39: the client goes away while the backend is slow: the
// access log records 499.
func TestNATSClientDisconnect499(t *testing.T) {
	t.Parallel()
	r := ncStartGorouterLog(t)
	entered, release := make(chan struct{}, 1), make(chan struct{})
	be := newBackend(t, "slow", func(w http.ResponseWriter, req *http.Request) {
		if req.URL.Path == "/slow" {
			entered <- struct{}{}
			select {
			case <-release:
			case <-req.Context().Done():
			}
		}
	})
	t.Cleanup(func() { close(release) })
	host, port := nrHostPort(t, be.URL)
	r.nrKeep(t, nrReg(host, port, []string{"slow.test"}, "app", "aaaaaaaa-aaaa-aaaa-aaaa-aaaaaaaaaaaa",
		"private_instance_id", "inst-1", "private_instance_index", "2"))
	r.waitStatus(t, "slow.test", "/", 200)

	ctx, cancel := context.WithCancel(context.Background())
	req, _ := http.NewRequestWithContext(ctx, "GET", r.url+"/slow", nil)
	req.Host = "slow.test"
	done := make(chan error, 1)
	go func() {
		rsp, err := r.client.Do(req)
		if err == nil {
			rsp.Body.Close()
		}
		done <- err
	}()
	<-entered
	cancel()
	if err := <-done; !errors.Is(err, context.Canceled) {
		t.Errorf("client: %v, want context canceled", err)
	}
	line := ncLine(t, r.instance, `"GET /slow HTTP/1.1"`)
	rx := regexp.MustCompile(fmt.Sprintf(`^slow\.test - \[\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{9}Z\] "GET /slow HTTP/1\.1" 499 0 \d+ "-" "Go-http-client/1\.1" "127\.0\.0\.1:\d+" "127\.0\.0\.1:%d" x_forwarded_for:"127\.0\.0\.1" x_forwarded_proto:"http" vcap_request_id:"[0-9a-f-]{36}" response_time:\d+\.\d{6} gorouter_time:\d+\.\d{6} app_id:"aaaaaaaa-aaaa-aaaa-aaaa-aaaaaaaaaaaa" app_index:"2" instance_id:"inst-1" x_cf_routererror:"endpoint_failure \(context canceled\)"$`, port))
	if !rx.MatchString(line) {
		t.Errorf("access log line\n%s\ndoes not match\n%s", line, rx)
	}
}

// Spec §18 case 41, the raw half: an HTTP/1.0 request without a Host.
func TestNATSEmptyHostRaw(t *testing.T) {
	r := nrStart(t, nil)
	got := ncRaw(t, ncAddr(r.url), "GET / HTTP/1.0\r\n\r\n")
	ncCheck(t, "GET / HTTP/1.0 without Host", got.status, got.header, got.body,
		400, "400 Bad Request: Request had empty Host header\n",
		"X-Cf-Routererror", "empty_host", "Cache-Control", "public,max-age=2",
		"Content-Type", "text/plain; charset=utf-8", "X-Content-Type-Options", "nosniff")
	// net/http answers an HTTP/1.0 request in HTTP/1.0, as gorouter's
	// server does.
	if !strings.HasPrefix(got.raw, "HTTP/1.0 400 Bad Request\r\n") {
		t.Errorf("status line of %q", got.raw)
	}
	if !got.closed {
		t.Errorf("connection left open after an HTTP/1.0 answer")
	}
}

// Spec §18 case 43: with empty_pool_response_code_503 and a 3 s
// empty_pool_timeout, a route whose last endpoint left answers 503
// no_endpoints and is listed empty, until the timeout and a prune tick
// remove it.
func TestNATSEmptyPool503(t *testing.T) {
	t.Parallel()
	const timeout = 3 * time.Second
	r := nrStart(t, func(o *nats.Options) {
		o.EmptyPool503 = true
		o.EmptyPoolTimeout = timeout
	})
	be := newBackend(t, "ep", nil)
	host, port := nrHostPort(t, be.URL)
	msg := nrReg(host, port, []string{"ep.test"})
	stop := r.nrKeep(t, msg)
	r.waitStatus(t, "ep.test", "/", 200)
	stop()
	r.unregister(t, msg)
	t0 := time.Now()
	got := r.waitStatus(t, "ep.test", "/", 503)
	ncCheck(t, "empty pool", got.status, got.header, got.body,
		503, "503 Service Unavailable: Requested route ('ep.test') has no available endpoints.\n",
		"X-Cf-Routererror", "no_endpoints", "Cache-Control", "public,max-age=2",
		"Content-Type", "text/plain; charset=utf-8", "X-Content-Type-Options", "nosniff")
	if rsp := r.statusGet(t, "/routes", true); rsp.status != 200 || !strings.Contains(rsp.body, `"ep.test":[]`) {
		t.Errorf("/routes: %d %q, want ep.test listed with []", rsp.status, rsp.body)
	}
	// Gone after the timeout and a prune tick: 503 before, 404 by then.
	for {
		p := r.try("ep.test", "/")
		el := p.at.Sub(t0)
		if p.status == 404 {
			if el < timeout {
				t.Errorf("404 after %v, before the empty-pool timeout %v", el, timeout)
			}
			if p.rerr != "unknown_route" {
				t.Errorf("after the timeout: %v, want 404 unknown_route", p)
			}
			break
		}
		if p.err != nil || p.status != 503 || p.rerr != "no_endpoints" {
			t.Fatalf("at %v: %v, want 503 no_endpoints until the pool goes", el, p)
		}
		if el > timeout+natsPrune+natsSlack {
			t.Fatalf("still %v at %v, want 404 by %v", p, el, timeout+natsPrune+natsSlack)
		}
		time.Sleep(20 * time.Millisecond)
	}
	r.nrNoRoute(t, "ep.test")
}

// Spec §18 case 44: a route bound to a route service, without a route
// services secret.
func TestNATSRouteServicesDisabled(t *testing.T) {
	r := nrStart(t, nil)
	be := newBackend(t, "rs", nil)
	host, port := nrHostPort(t, be.URL)
	r.nrKeep(t, nrReg(host, port, []string{"rsd.test"}, "route_service_url", "https://rs.test"))
	got := r.waitStatus(t, "rsd.test", "/", 502)
	ncCheck(t, "route service", got.status, got.header, got.body,
		502, "502 Bad Gateway: Support for route services is disabled.\n",
		"X-Cf-Routererror", "route_service_unsupported",
		"Content-Type", "text/plain; charset=utf-8", "X-Content-Type-Options", "nosniff")
	if n := be.hits.Load(); n != 0 {
		t.Errorf("the backend saw %d requests", n)
	}
}

// Spec §18 case 47: the client's X-Vcap-Request-Id is replaced, its
// X-Request-Start kept, its X-Forwarded-For appended to.
func TestNATSRequestIDNotTrusted(t *testing.T) {
	r := nrStart(t, nil)
	var mu sync.Mutex
	var seen http.Header
	be := newBackend(t, "b", func(w http.ResponseWriter, req *http.Request) {
		mu.Lock()
		seen = req.Header.Clone()
		mu.Unlock()
	})
	host, port := nrHostPort(t, be.URL)
	r.nrKeep(t, nrReg(host, port, []string{"rid.test"}))
	r.waitStatus(t, "rid.test", "/", 200)
	rsp := r.get(t, "/", "Host", "rid.test", "X-Vcap-Request-Id", "abc", "X-Request-Start", "123", "X-Forwarded-For", "1.2.3.4")
	if rsp.status != 200 {
		t.Fatalf("got %d %q", rsp.status, rsp.body)
	}
	mu.Lock()
	defer mu.Unlock()
	id := seen.Values("X-Vcap-Request-Id")
	if len(id) != 1 || !regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[0-9a-f]{4}-[0-9a-f]{12}$`).MatchString(id[0]) {
		t.Errorf("backend saw X-Vcap-Request-Id %q, want one new UUID", id)
	}
	if got := rsp.header.Values("X-Vcap-Request-Id"); len(id) != 1 || len(got) != 1 || got[0] != id[0] {
		t.Errorf("response X-Vcap-Request-Id %q, want the backend's %q", got, id)
	}
	if got := seen.Values("X-Request-Start"); len(got) != 1 || got[0] != "123" {
		t.Errorf("backend saw X-Request-Start %q, want [123]", got)
	}
	if got := seen.Values("X-Forwarded-For"); len(got) != 1 || got[0] != "1.2.3.4, 127.0.0.1" {
		t.Errorf("backend saw X-Forwarded-For %q, want [1.2.3.4, 127.0.0.1]", got)
	}
}

// Spec §18 case 52: the gorouter access-log lines of a proxied request
// and of an unknown route, matched whole.
func TestNATSAccessLogLines(t *testing.T) {
	r := ncStartGorouterLog(t)
	be := newBackend(t, "b", func(w http.ResponseWriter, req *http.Request) {})
	host, port := nrHostPort(t, be.URL)
	r.nrKeep(t, nrReg(host, port, []string{"app.test"}, "app", "aaaaaaaa-aaaa-aaaa-aaaa-aaaaaaaaaaaa",
		"private_instance_id", "inst-1", "private_instance_index", "2"))
	r.waitStatus(t, "app.test", "/", 200)
	if got := r.get(t, "/p?x=1", "Host", "app.test"); got.status != 200 {
		t.Fatalf("proxied: %d %q", got.status, got.body)
	}
	const notFound = "404 Not Found: Requested route ('nope.test') does not exist.\n"
	if got := r.get(t, "/p?x=1", "Host", "nope.test"); got.status != 404 || got.body != notFound {
		t.Fatalf("unknown route: %d %q", got.status, got.body)
	}

	const ts = `\[\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{9}Z\]`
	// The spec's expression, as it is.
	proxied := regexp.MustCompile(`^app\.test - ` + ts + ` "GET /p\?x=1 HTTP/1\.1" 200 0 \d+ "-" "[^"]*" "127\.0\.0\.1:\d+" "127\.0\.0\.1:\d+" x_forwarded_for:"127\.0\.0\.1" x_forwarded_proto:"http" vcap_request_id:"[0-9a-f-]{36}" response_time:\d+\.\d{6} gorouter_time:\d+\.\d{6} app_id:"[^"]+" app_index:"2" instance_id:"inst-1" x_cf_routererror:"-"$`)
	// The spec gives the fields of the 404 line that differ and elides
	// the others ("..."); they are filled in with what the request had:
	// a client address, the Go client's User-Agent. The request id is
	// left open: skiff logs "-" (it makes one only for requests it
	// proxies), gorouter a UUID (its request-id handler runs before the
	// lookup, on every request).
	unknown := regexp.MustCompile(`^nope\.test - ` + ts + ` "GET /p\?x=1 HTTP/1\.1" 404 0 ` + fmt.Sprint(len(notFound)) + ` "-" "Go-http-client/1\.1" "127\.0\.0\.1:\d+" "-" x_forwarded_for:"-" x_forwarded_proto:"-" vcap_request_id:"(-|[0-9a-f-]{36})" response_time:\d+\.\d{6} gorouter_time:0\.000000 app_id:"-" app_index:"-" instance_id:"-" x_cf_routererror:"unknown_route"$`)
	proxiedLine := ncLine(t, r.instance, `"GET /p?x=1 HTTP/1.1" 200 `)
	if !proxied.MatchString(proxiedLine) {
		t.Errorf("proxied line\n%s\ndoes not match\n%s", proxiedLine, proxied)
	}
	if want := fmt.Sprintf(`"127.0.0.1:%d"`, port); !strings.Contains(proxiedLine, want) {
		t.Errorf("proxied line %q does not name the backend %s", proxiedLine, want)
	}
	if !strings.Contains(proxiedLine, `app_id:"aaaaaaaa-aaaa-aaaa-aaaa-aaaaaaaaaaaa"`) {
		t.Errorf("proxied line %q: app_id is not the registered app", proxiedLine)
	}
	if line := ncLine(t, r.instance, "nope.test - ["); !unknown.MatchString(line) {
		t.Errorf("unknown-route line\n%s\ndoes not match\n%s", line, unknown)
	}
}

// §11: X-CF-Process-Instance targets the endpoints whose tags.process_id
// is the guid, and with an index the one with that
// private_instance_index; a target the route lacks is 400 unknown_route,
// a malformed header 400 invalid_cf_process_instance_header.
func TestNATSProcessInstanceTargeting(t *testing.T) {
	r := nrStart(t, nil)
	const (
		p1 = "11111111-1111-1111-1111-111111111111"
		p2 = "22222222-2222-2222-2222-222222222222"
		p3 = "33333333-3333-3333-3333-333333333333"
	)
	var mu sync.Mutex
	var seen []string // X-CF-Process-Instance as the backends saw it
	var eps []string
	for _, e := range []struct{ name, process, index string }{{"p1-0", p1, "0"}, {"p1-1", p1, "1"}, {"p2-0", p2, "0"}} {
		be := newBackend(t, e.name, func(w http.ResponseWriter, req *http.Request) {
			mu.Lock()
			seen = append(seen, req.Header.Get("X-Cf-Process-Instance"))
			mu.Unlock()
		})
		host, port := nrHostPort(t, be.URL)
		r.nrKeep(t, nrReg(host, port, []string{"proc.test"}, "app", "aaaaaaaa-aaaa-aaaa-aaaa-aaaaaaaaaaaa",
			"private_instance_index", e.index, "tags", map[string]string{"process_id": e.process}))
		eps = append(eps, fmt.Sprintf("http://%s:%d", host, port))
	}
	r.nrWaitPool(t, "proc.test", eps...)

	for _, tc := range []struct {
		header string
		want   []string // backends allowed
	}{
		{p1 + ":1", []string{"p1-1"}},
		{p1 + ":0", []string{"p1-0"}},
		{p2 + ":0", []string{"p2-0"}},
		{p2, []string{"p2-0"}},
		{p1, []string{"p1-0", "p1-1"}},
	} {
		got := map[string]int{}
		for range 10 {
			rsp := r.get(t, "/", "Host", "proc.test", "X-Cf-Process-Instance", tc.header)
			if rsp.status != 200 {
				t.Fatalf("%s: %d %q", tc.header, rsp.status, rsp.body)
			}
			got[rsp.header.Get("X-Backend")]++
		}
		for name := range got {
			if !strings.Contains(" "+strings.Join(tc.want, " ")+" ", " "+name+" ") {
				t.Errorf("X-CF-Process-Instance %s reached %v, want only %v", tc.header, got, tc.want)
			}
		}
	}
	mu.Lock()
	for _, h := range seen {
		if h == "" {
			t.Errorf("a backend did not see X-CF-Process-Instance (gorouter forwards it)")
			break
		}
	}
	mu.Unlock()

	for _, tc := range []struct{ header, body string }{
		{p1 + ":7", "400 Bad Request: Requested instance ('7') with process guid ('" + p1 + "') does not exist for route ('proc.test')\n"},
		{p3, "400 Bad Request: Requested instance with process guid ('" + p3 + "') does not exist for route ('proc.test')\n"},
		{p3 + ":0", "400 Bad Request: Requested instance ('0') with process guid ('" + p3 + "') does not exist for route ('proc.test')\n"},
	} {
		got := r.get(t, "/", "Host", "proc.test", "X-Cf-Process-Instance", tc.header)
		ncCheck(t, "unknown process instance "+tc.header, got.status, got.header, got.body, 400, tc.body,
			"X-Cf-Routererror", "unknown_route", "Cache-Control", "no-cache, no-store",
			"Content-Type", "text/plain; charset=utf-8", "X-Content-Type-Options", "nosniff")
	}
	// On a route that does not exist: 400 too, not 404.
	got := r.get(t, "/", "Host", "nope.test", "X-Cf-Process-Instance", p1+":0")
	ncCheck(t, "process instance on an unknown route", got.status, got.header, got.body, 400,
		"400 Bad Request: Requested instance ('0') with process guid ('"+p1+"') does not exist for route ('nope.test')\n",
		"X-Cf-Routererror", "unknown_route", "Cache-Control", "no-cache, no-store")

	for _, bad := range []string{"11111111-1111-1111-1111-11111111111A", "abc", p1 + ":", p1 + ":x", p1 + ":1:2", "abc:1"} {
		got := r.get(t, "/", "Host", "proc.test", "X-Cf-Process-Instance", bad)
		ncCheck(t, "malformed "+bad, got.status, got.header, got.body, 400, "400 Bad Request: Invalid X-CF-Process-Instance Header\n",
			"X-Cf-Routererror", "invalid_cf_process_instance_header", "Cache-Control", "no-cache, no-store",
			"Content-Type", "text/plain; charset=utf-8", "X-Content-Type-Options", "nosniff")
	}
}
