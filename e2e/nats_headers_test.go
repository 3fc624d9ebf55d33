package e2e

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"reflect"
	"regexp"
	"strings"
	"testing"
	"time"

	skiff "github.com/skiff-proxy/skiff"
	"github.com/skiff-proxy/skiff/accesslog"
	"github.com/skiff-proxy/skiff/dataclients/nats"
	"github.com/skiff-proxy/skiff/dataclients/nats/natstest"
)

// Spec §9.1 (B3 and W3C headers, the request id from a trace), §9.2
// (X-Vcap-Trace, the semicolon warning: case 46), §9.3 (request header
// limits), §10's last row (unsupported protocol: case 45) and §7.3 (AZ
// preference), against a real NATS server and real backends.

// hdEcho is a backend that answers 200 with the request's headers as
// JSON, and says who it is in X-Backend.
func hdEcho(t *testing.T, name string) *backend {
	t.Helper()
	return newBackend(t, name, func(w http.ResponseWriter, req *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(req.Header)
	})
}

// hdSeen is the request header an hdEcho backend answered with.
func hdSeen(t *testing.T, rsp response) http.Header {
	t.Helper()
	var h http.Header
	if err := json.Unmarshal([]byte(rsp.body), &h); err != nil {
		t.Fatalf("backend's answer %d %q: %v", rsp.status, rsp.body, err)
	}
	return h
}

// hdServe registers be for the uris, kept registered for the test, and
// waits until the first uri answers 200.
func hdServe(t *testing.T, r *natsRouter, be *backend, uris []string, extra ...any) {
	t.Helper()
	host, port := nrHostPort(t, be.URL)
	r.nrKeep(t, nrReg(host, port, uris, extra...))
	r.waitStatus(t, strings.SplitN(uris[0], "/", 2)[0], "/", 200)
}

// hdRaw writes req as it is on a new connection to the proxy and reads
// until the server closes it (closed) or idle passes without a byte.
func hdRaw(t *testing.T, r *natsRouter, req string, idle time.Duration) (raw string, closed bool) {
	t.Helper()
	conn, err := net.DialTimeout("tcp", strings.TrimPrefix(r.url, "http://"), 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	if _, err := io.WriteString(conn, req); err != nil {
		t.Fatal(err)
	}
	var b strings.Builder
	buf := make([]byte, 4096)
	for {
		conn.SetReadDeadline(time.Now().Add(idle))
		n, err := conn.Read(buf)
		b.Write(buf[:n])
		if err == io.EOF {
			return b.String(), true
		}
		if err != nil {
			return b.String(), false
		}
	}
}

// hdAccessLine waits for the access-log line containing marker and
// returns it.
func hdAccessLine(t *testing.T, in *instance, marker string) string {
	t.Helper()
	var line string
	waitFor(t, func() bool {
		for l := range strings.SplitSeq(in.access.String(), "\n") {
			if strings.Contains(l, marker) {
				line = l
				return true
			}
		}
		return false
	})
	return line
}

// Spec §9.2: X-Vcap-Trace with the trace key gets the router's address,
// the one router.start announces, and the endpoint's on the response;
// another key or none gets nothing.
func TestNATSTraceHeaders(t *testing.T) {
	srv := natstest.Start(t)
	_, sub := nrSubscribeStart(t, srv)
	r := nrStartOn(t, srv, func(n *nats.Options) {
		n.StartDelay = -1
		n.TraceKey = "22"
	})
	m, err := sub.NextMsg(5 * time.Second)
	if err != nil {
		t.Fatalf("no router.start: %v", err)
	}
	var start struct{ Hosts []string }
	if err := json.Unmarshal(m.Data, &start); err != nil || len(start.Hosts) != 1 {
		t.Fatalf("router.start %s: %v", m.Data, err)
	}
	be := hdEcho(t, "b1")
	hdServe(t, r, be, []string{"trace.test"})
	ep := strings.TrimPrefix(be.URL, "http://")

	rsp := r.get(t, "/", "Host", "trace.test", "X-Vcap-Trace", "22")
	want := map[string]string{"X-Vcap-Router": start.Hosts[0], "X-Vcap-Backend": ep, "X-Cf-Routeendpoint": ep}
	for k, v := range want {
		if got := rsp.header.Values(k); len(got) != 1 || got[0] != v {
			t.Errorf("%s: %q, want %q", k, got, v)
		}
	}
	for _, hdr := range [][]string{{"X-Vcap-Trace", "23"}, {"X-Other", "22"}} {
		rsp := r.get(t, "/", "Host", "trace.test", hdr[0], hdr[1])
		for k := range want {
			if got, ok := rsp.header[k]; ok {
				t.Errorf("with %s: %s: %q, want none", hdr[0], k, got)
			}
		}
	}
	// A router error is not traced.
	rsp = r.get(t, "/", "Host", "nope.test", "X-Vcap-Trace", "22")
	if _, ok := rsp.header["X-Vcap-Router"]; rsp.status != 404 || ok {
		t.Errorf("unknown route: %d %v", rsp.status, rsp.header)
	}
}

// Spec §9.1: B3 and W3C headers towards the backend, and the request id
// from an incoming trace id.
func TestNATSTracingHeaders(t *testing.T) {
	r := nrStart(t, func(n *nats.Options) {
		n.Zipkin, n.W3C, n.W3CTenantID = true, true, "tenant"
	})
	be := hdEcho(t, "b1")
	hdServe(t, r, be, []string{"tracing.test"})
	hex := func(n int) string { return fmt.Sprintf("[0-9a-f]{%d}", n) }

	t.Run("new trace", func(t *testing.T) {
		rsp := r.get(t, "/", "Host", "tracing.test")
		seen := hdSeen(t, rsp)
		id := seen.Get("X-Vcap-Request-Id")
		tid, sid := strings.ReplaceAll(id, "-", ""), seen.Get("X-B3-Spanid")
		if !regexp.MustCompile("^"+hex(32)+"$").MatchString(tid) || seen.Get("X-B3-Traceid") != tid ||
			sid != tid[16:] || seen.Get("B3") != tid+"-"+sid {
			t.Errorf("B3: request id %q, X-B3-TraceId %q, X-B3-SpanId %q, b3 %q", id,
				seen.Get("X-B3-Traceid"), sid, seen.Get("B3"))
		}
		if got, want := seen.Get("Traceparent"), "00-"+tid+"-"+sid+"-01"; got != want {
			t.Errorf("traceparent %q, want %q", got, want)
		}
		if got, want := seen.Get("Tracestate"), "tenant@gorouter="+sid; got != want {
			t.Errorf("tracestate %q, want %q", got, want)
		}
		if got := rsp.header.Get("X-Vcap-Request-Id"); got != id {
			t.Errorf("response X-Vcap-Request-Id %q, backend saw %q", got, id)
		}
	})

	t.Run("b3 in", func(t *testing.T) {
		const b3 = "463ac35c9f6413ad48485a3953bb6124-e457b5a2e4d86bd1-1"
		rsp := r.get(t, "/", "Host", "tracing.test", "B3", b3, "Tracestate", "x=1")
		seen := hdSeen(t, rsp)
		if got := seen.Get("X-Vcap-Request-Id"); got != "463ac35c-9f64-13ad-4848-5a3953bb6124" || rsp.header.Get("X-Vcap-Request-Id") != got {
			t.Errorf("request id %q (response %q), want the b3 trace id", got, rsp.header.Get("X-Vcap-Request-Id"))
		}
		if seen.Get("B3") != b3 || len(seen.Values("X-B3-Traceid")) != 0 {
			t.Errorf("b3 %q, X-B3-TraceId %q: want b3 as it came, no X-B3 headers", seen.Get("B3"), seen.Values("X-B3-Traceid"))
		}
		// No traceparent came: a new one carries b3's trace, and the
		// old tracestate goes.
		if got, want := seen.Get("Traceparent"), "00-463ac35c9f6413ad48485a3953bb6124-e457b5a2e4d86bd1-01"; got != want {
			t.Errorf("traceparent %q, want %q", got, want)
		}
		if got := seen.Get("Tracestate"); got != "tenant@gorouter=e457b5a2e4d86bd1" {
			t.Errorf("tracestate %q", got)
		}
	})

	t.Run("traceparent in", func(t *testing.T) {
		rsp := r.get(t, "/", "Host", "tracing.test",
			"Traceparent", "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-00", "Tracestate", "tenant@gorouter=old, x=1")
		seen := hdSeen(t, rsp)
		m := regexp.MustCompile("^00-0af7651916cd43dd8448eb211c80319c-(" + hex(16) + ")-00$").FindStringSubmatch(seen.Get("Traceparent"))
		if m == nil || m[1] == "b7ad6b7169203331" {
			t.Fatalf("traceparent %q: want the trace id and flags kept, a new parent id", seen.Get("Traceparent"))
		}
		if got, want := seen.Get("Tracestate"), "tenant@gorouter="+m[1]+",x=1"; got != want {
			t.Errorf("tracestate %q, want %q", got, want)
		}
		// B3 comes first and starts a trace of its own; the request id
		// is B3's.
		if tid := seen.Get("X-B3-Traceid"); strings.ReplaceAll(seen.Get("X-Vcap-Request-Id"), "-", "") != tid {
			t.Errorf("request id %q, X-B3-TraceId %q", seen.Get("X-Vcap-Request-Id"), tid)
		}
	})
}

// With W3C alone an incoming traceparent's trace id becomes the request id
// when it reads as a UUID.
func TestNATSRequestIDFromTraceparent(t *testing.T) {
	r := nrStart(t, func(n *nats.Options) { n.W3C = true })
	hdServe(t, r, hdEcho(t, "b1"), []string{"w3c.test"})
	rsp := r.get(t, "/", "Host", "w3c.test", "Traceparent", "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01")
	if got := hdSeen(t, rsp).Get("X-Vcap-Request-Id"); got != "0af76519-16cd-43dd-8448-eb211c80319c" {
		t.Errorf("request id %q, want the traceparent's trace id", got)
	}
	if _, ok := hdSeen(t, rsp)["B3"]; ok {
		t.Error("b3 without enable_zipkin")
	}
}

// Spec §18 case 45 (§10's last row): a protocol version other than 1.0,
// 1.1 (or 2) is refused with a bare HTTP/1.0 400 and a closed connection,
// before the Host and the lookup are looked at; the health check's
// User-Agent still comes first.
func TestNATSUnsupportedProtocol(t *testing.T) {
	r := nrStart(t, nil)
	be := hdEcho(t, "b1")
	hdServe(t, r, be, []string{"proto.test"})
	for _, req := range []string{
		"GET / HTTP/1.5\r\nHost: proto.test\r\n\r\n",
		"GET / HTTP/1.2\r\nHost: nope.test\r\n\r\n",
		"GET / HTTP/1.9\r\nHost: 127.0.0.1\r\n\r\n", // the client's address: an empty host
	} {
		raw, closed := hdRaw(t, r, req, time.Second)
		if raw != "HTTP/1.0 400 Bad Request\r\n\r\n" || !closed {
			t.Errorf("%q: got %q, closed %v", req, raw, closed)
		}
	}
	if n := be.hits.Load(); n != 1 {
		t.Errorf("backend had %d requests, want only the one of waitStatus", n)
	}
	raw, _ := hdRaw(t, r, "GET / HTTP/1.5\r\nHost: proto.test\r\nUser-Agent: HTTP-Monitor/1.1\r\nConnection: close\r\n\r\n", time.Second)
	if !strings.HasPrefix(raw, "HTTP/1.1 200 OK\r\n") || !strings.HasSuffix(raw, "\r\n\r\nok\n") {
		t.Errorf("health check over HTTP/1.5: %q", raw)
	}
	raw, _ = hdRaw(t, r, "GET / HTTP/1.0\r\nHost: proto.test\r\n\r\n", time.Second)
	if !strings.HasPrefix(raw, "HTTP/1.0 200 OK\r\n") {
		t.Errorf("HTTP/1.0: %q", raw)
	}
}

// Spec §9.3: a request whose head reaches max_request_header_bytes, or
// has more than max_request_headers lines, is answered 431 with
// max-request-size-exceeded, no body, and the connection closed. An
// unknown route is still 404: the lookup comes first.
func TestNATSRequestHeaderLimits(t *testing.T) {
	r := nrStart(t, func(n *nats.Options) {
		n.MaxRequestHeaderBytes = 300
		n.MaxRequestHeaders = 4
	})
	be := hdEcho(t, "b1")
	hdServe(t, r, be, []string{"limit.test"})
	lines := func(n int) string {
		var b strings.Builder
		for i := range n {
			fmt.Fprintf(&b, "X-H%d: v\r\n", i)
		}
		return b.String()
	}
	// "GET / HTTP/1.1\r\n" is 16 bytes, "Host: limit.test\r\n" 18: the
	// header lines may take 265 bytes, "X-Big: <v>\r\n" being 9 plus the
	// value.
	for _, tc := range []struct {
		name, head string
		want       int
	}{
		{"four lines", lines(4), 200},
		{"five lines", lines(5), 431},
		{"265 bytes", "X-Big: " + strings.Repeat("a", 256) + "\r\n", 200},
		{"266 bytes", "X-Big: " + strings.Repeat("a", 257) + "\r\n", 431},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if tc.want == 200 {
				// The connection stays open: a short wait is enough.
				raw, _ := hdRaw(t, r, "GET / HTTP/1.1\r\nHost: limit.test\r\n"+tc.head+"\r\n", 200*time.Millisecond)
				if !strings.HasPrefix(raw, "HTTP/1.1 200 OK\r\n") {
					t.Errorf("got %q", raw)
				}
				return
			}
			raw, closed := hdRaw(t, r, "GET / HTTP/1.1\r\nHost: limit.test\r\n"+tc.head+"\r\n", 2*time.Second)
			rsp, err := http.ReadResponse(bufio.NewReader(strings.NewReader(raw)), nil)
			if err != nil {
				t.Fatalf("%q: %v", raw, err)
			}
			body, _ := io.ReadAll(rsp.Body)
			// ReadResponse takes Connection out of the header into Close.
			rsp.Header.Del("Date")
			want := http.Header{"Content-Length": {"0"}, "Server": {"skiff"}, "X-Cf-Routererror": {"max-request-size-exceeded"}}
			if rsp.Status != "431 Request Header Fields Too Large" || !reflect.DeepEqual(rsp.Header, want) ||
				!rsp.Close || rsp.ContentLength != 0 || len(body) != 0 || !closed {
				t.Errorf("got %q (closed %v), want 431, headers %v, Connection: close, no body, the connection closed", raw, closed, want)
			}
		})
	}
	if raw, _ := hdRaw(t, r, "GET / HTTP/1.1\r\nHost: nope.test\r\nConnection: close\r\n"+lines(5)+"\r\n", time.Second); !strings.HasPrefix(raw, "HTTP/1.1 404 ") {
		t.Errorf("unknown route with five lines: %q", raw)
	}
}

// Spec §18 case 46: a ';' in the target is passed on; the backend's answer
// comes back without X-Cf-Routererror, the access log has
// deprecated-semicolon-params and the log one warning. skiff's
// -validate-query (on by default) answers 400 to a ';' in the query before
// routing; a NATS router switches it off to behave as gorouter.
func TestNATSSemicolonWarning(t *testing.T) {
	start := func(t *testing.T, validateQuery bool) (*natsRouter, *syncBuffer) {
		log := &syncBuffer{}
		r := startNATSRouterWith(t, natstest.Start(t), func(o *skiff.Options) {
			o.NATS.StartDelay = -1
			nrWithLog(log)(&o.NATS)
			o.AccessLogFormat = accesslog.FormatGorouter
			o.DisableValidateQuery = !validateQuery
		})
		hdServe(t, r, hdEcho(t, "b1"), []string{"semi.test"})
		return r, log
	}
	warnings := func(log *syncBuffer) []string {
		var out []string
		for l := range strings.SplitSeq(log.String(), "\n") {
			if strings.Contains(l, "deprecated-semicolon-params") {
				out = append(out, l)
			}
		}
		return out
	}

	t.Run("query, -validate-query=false", func(t *testing.T) {
		r, log := start(t, false)
		rsp := r.get(t, "/?a=1;b=2", "Host", "semi.test")
		if rsp.status != 200 || rsp.header.Get("X-Backend") != "b1" {
			t.Fatalf("got %d %q", rsp.status, rsp.body)
		}
		if got, ok := rsp.header["X-Cf-Routererror"]; ok {
			t.Errorf("X-Cf-Routererror on the wire: %q", got)
		}
		line := hdAccessLine(t, r.instance, `"GET /?a=1;b=2 HTTP/1.1" 200 `)
		if !strings.HasSuffix(line, ` x_cf_routererror:"deprecated-semicolon-params"`) {
			t.Errorf("access log line %q", line)
		}
		id := rsp.header.Get("X-Vcap-Request-Id")
		if w := warnings(log); len(w) != 1 || !strings.Contains(w[0], "level=warning") || !strings.Contains(w[0], "vcap_request_id="+id) {
			t.Errorf("warnings %q, want one with the request id %s", w, id)
		}
		// Without a ';' nothing of it.
		r.get(t, "/?a=1&b=2", "Host", "semi.test")
		if line := hdAccessLine(t, r.instance, `"GET /?a=1&b=2 HTTP/1.1" 200 `); !strings.HasSuffix(line, ` x_cf_routererror:"-"`) {
			t.Errorf("access log line %q", line)
		}
		if w := warnings(log); len(w) != 1 {
			t.Errorf("%d warnings, want still one", len(w))
		}
	})

	t.Run("default -validate-query", func(t *testing.T) {
		r, log := start(t, true)
		// In the path the query check does not apply.
		rsp := r.get(t, "/a;b", "Host", "semi.test")
		if rsp.status != 200 || rsp.header.Get("X-Backend") != "b1" || rsp.header.Get("X-Cf-Routererror") != "" {
			t.Fatalf("path with ';': %d %v %q", rsp.status, rsp.header, rsp.body)
		}
		if line := hdAccessLine(t, r.instance, `"GET /a;b HTTP/1.1" 200 `); !strings.HasSuffix(line, ` x_cf_routererror:"deprecated-semicolon-params"`) {
			t.Errorf("access log line %q", line)
		}
		// In the query, skiff's query validation answers first: the
		// request never reaches the NATS routes.
		rsp = r.get(t, "/?a=1;b=2", "Host", "semi.test")
		if rsp.status != 400 || rsp.body != "Invalid query\n" {
			t.Errorf("query with ';': %d %q", rsp.status, rsp.body)
		}
		if w := warnings(log); len(w) != 1 {
			t.Errorf("warnings %q, want the path's only", w)
		}
	})
}

// Spec §7.3: with locally-optimistic AZ preference a request goes to the
// endpoints of the router's zone, round robin among them, while one of
// them can take it; a request whose local endpoint fails is retried on
// another zone's.
func TestNATSZonePreference(t *testing.T) {
	r := nrStart(t, func(n *nats.Options) {
		n.Zone = "z1"
		n.AZPreference = nats.AZLocallyOptimistic
	})
	local1, local2, remote := hdEcho(t, "local1"), hdEcho(t, "local2"), hdEcho(t, "remote")
	for _, b := range []struct {
		be   *backend
		zone string
	}{{local1, "z1"}, {remote, "z2"}, {local2, "z1"}} {
		host, port := nrHostPort(t, b.be.URL)
		r.nrKeep(t, nrReg(host, port, []string{"az.test"}, "availability_zone", b.zone))
	}
	r.nrWaitPool(t, "az.test", local1.URL, remote.URL, local2.URL)
	count := map[string]int{}
	for range 20 {
		rsp := r.get(t, "/", "Host", "az.test")
		count[rsp.header.Get("X-Backend")]++
	}
	if count["local1"] != 10 || count["local2"] != 10 || count["remote"] != 0 {
		t.Errorf("requests per backend %v, want 10 on each local one", count)
	}

	// The local endpoints fail: the first attempt still goes to one of
	// them, the retry to the other zone.
	local1.Close()
	local2.Close()
	for range 4 {
		rsp := r.get(t, "/", "Host", "az.test")
		if rsp.status != 200 || rsp.header.Get("X-Backend") != "remote" {
			t.Errorf("with the local endpoints down: %d from %q", rsp.status, rsp.header.Get("X-Backend"))
		}
	}
}
