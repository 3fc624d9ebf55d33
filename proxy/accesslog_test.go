package proxy

import (
	"io"
	"net"
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/skiff-proxy/skiff/accesslog"
	"github.com/skiff-proxy/skiff/eskip"
	"github.com/skiff-proxy/skiff/filters"
)

func TestClientIP(t *testing.T) {
	for _, tc := range []struct {
		name   string
		xff    []string
		remote string
		want   string
	}{
		{"remote v4", nil, "192.0.2.1:1234", "192.0.2.1"},
		{"remote v6", nil, "[::1]:1234", "::1"},
		{"remote without port", nil, "192.0.2.1", "192.0.2.1"},
		{"one", []string{"10.1.2.3"}, "192.0.2.1:1", "10.1.2.3"},
		{"all of a list", []string{"10.1.2.3, 10.0.0.1"}, "192.0.2.1:1", "10.1.2.3, 10.0.0.1"},
		{"spacing normalised", []string{" 10.1.2.3,10.0.0.1 ,2001:db8::1"}, "192.0.2.1:1", "10.1.2.3, 10.0.0.1, 2001:db8::1"},
		{"several lines", []string{"10.1.2.3", "10.0.0.1, 10.0.0.2"}, "192.0.2.1:1", "10.1.2.3, 10.0.0.1, 10.0.0.2"},
		{"invalid entries left out", []string{"unknown, 10.0.0.1, _hidden, 300.1.1.1"}, "192.0.2.1:1", "10.0.0.1"},
		{"ports dropped", []string{"10.1.2.3:80, [2001:db8::1]:443"}, "192.0.2.1:1", "10.1.2.3, 2001:db8::1"},
		{"nothing valid", []string{"unknown"}, "192.0.2.1:1", "192.0.2.1"},
		{"empty header", []string{""}, "192.0.2.1:1", "192.0.2.1"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := &http.Request{Header: http.Header{}, RemoteAddr: tc.remote}
			if tc.xff != nil {
				r.Header["X-Forwarded-For"] = tc.xff
			}
			if got := clientIP(r); got != tc.want {
				t.Errorf("clientIP = %q, want %q", got, tc.want)
			}
		})
	}
}

func TestClientIPCanonicalListDoesNotAllocate(t *testing.T) {
	r := &http.Request{Header: http.Header{"X-Forwarded-For": {"10.1.2.3, 10.0.0.1"}}, RemoteAddr: "192.0.2.1:1"}
	if n := testing.AllocsPerRun(100, func() { _ = clientIP(r) }); n != 0 {
		t.Errorf("%v allocations", n)
	}
}

func TestAccessLogFlowIdAndAudit(t *testing.T) {
	be := backend(t, nil)
	fx := startProxy(t, Options{},
		netRoute("bag", "/bag", be.URL, f("bag", "flowid", "fromTheFilter1")),
		netRoute("plain", "/plain", be.URL),
	)
	for _, tc := range []struct {
		name, path string
		hdr        map[string]string
		flow       string
		audit      string
	}{
		{"state bag wins", "/bag", map[string]string{"X-Flow-Id": "fromTheClient1"}, "fromTheFilter1", ""},
		{"request header", "/plain", map[string]string{"X-Flow-Id": "fromTheClient1", "X-Unverified-Audit": "sub-1"}, "fromTheClient1", "sub-1"},
		{"none", "/plain", nil, "", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			req := mustReq(t, "GET", fx.url(tc.path), nil)
			for k, v := range tc.hdr {
				req.Header.Set(k, v)
			}
			if rsp, _ := do(t, req); rsp.StatusCode != 200 {
				t.Fatalf("status %d", rsp.StatusCode)
			}
			e := fx.log.last(t)
			if e.FlowId != tc.flow || e.Audit != tc.audit {
				t.Errorf("flow id %q audit %q, want %q %q", e.FlowId, e.Audit, tc.flow, tc.audit)
			}
		})
	}
}

// lineWriter hands each written access log line to a channel.
type lineWriter chan string

func (w lineWriter) Write(p []byte) (int, error) {
	for line := range strings.Lines(string(p)) {
		w <- strings.TrimSuffix(line, "\n")
	}
	return len(p), nil
}

func (w lineWriter) next(t *testing.T) string {
	t.Helper()
	select {
	case l := <-w:
		return l
	case <-time.After(5 * time.Second):
		t.Fatal("no access log line")
		return ""
	}
}

// gorouterRegistry adds cf, a filter that does what the NATS route filters
// do for the access log: it appends the client to X-Forwarded-For, sets
// X-Forwarded-Proto and X-Vcap-Request-Id, and names the app.
func gorouterRegistry() filters.Registry {
	reg := testRegistry()
	reg.Register(testSpec{"cf", func([]any) filters.Filter {
		return funcFilter{req: func(c filters.FilterContext) {
			r := c.Request()
			ip, _, _ := net.SplitHostPort(r.RemoteAddr)
			if old := r.Header.Get("X-Forwarded-For"); old != "" {
				ip = old + ", " + ip
			}
			r.Header.Set("X-Forwarded-For", ip)
			r.Header.Set("X-Forwarded-Proto", "http")
			r.Header.Set("X-Vcap-Request-Id", "0b5a1d2e-1c3f-4a5b-6c7d-8e9f0a1b2c3d")
			c.StateBag()[filters.AccessLogAdditional] = map[string]any{
				accesslog.KeyAppID: "app-guid", accesslog.KeyAppIndex: "2", accesslog.KeyInstanceID: "inst-1",
			}
		}}
	}})
	return reg
}

func TestAccessLogGorouter(t *testing.T) {
	lines := make(lineWriter, 16)
	al := accesslog.New(accesslog.Options{Output: lines, Format: accesslog.FormatGorouter})
	t.Cleanup(func() { al.Close() })
	be := backend(t, nil)
	beAddr := strings.TrimPrefix(be.URL, "http://")
	fx := startProxyReg(t, gorouterRegistry(), Options{AccessLog: al},
		netRoute("app", "/p", be.URL, f("cf")),
		&eskip.Route{Id: "shunted", Path: "/shunt", Filters: []*eskip.Filter{f("cf")}, BackendType: eskip.ShuntBackend},
	)
	send := func(method, path, body string, hdr ...string) {
		t.Helper()
		var rd io.Reader
		if body != "" {
			rd = strings.NewReader(body)
		}
		req := mustReq(t, method, fx.url(path), rd)
		req.Host = "app.test"
		for i := 0; i+1 < len(hdr); i += 2 {
			req.Header.Set(hdr[i], hdr[i+1])
		}
		do(t, req)
	}

	t.Run("test case 52", func(t *testing.T) {
		send("GET", "/p?x=1", "")
		line := lines.next(t)
		if !case52.MatchString(line) {
			t.Errorf("line does not match test case 52:\n%s", line)
		}
		if want := `"` + beAddr + `" x_forwarded_for:`; !strings.Contains(line, want) {
			t.Errorf("backend address %s missing: %s", beAddr, line)
		}
	})
	t.Run("bytes in and appended XFF", func(t *testing.T) {
		send("POST", "/p", "hello, backend", "X-Forwarded-For", "192.0.2.7")
		line := lines.next(t)
		want := regexp.MustCompile(`^app\.test - \[[^]]+\] "POST /p HTTP/1\.1" 200 14 \d+ "-" "-" "127\.0\.0\.1:\d+" "` +
			regexp.QuoteMeta(beAddr) + `" x_forwarded_for:"192\.0\.2\.7, 127\.0\.0\.1" x_forwarded_proto:"http" `)
		if !want.MatchString(line) {
			t.Errorf("got  %s\nwant %s", line, want)
		}
	})
	t.Run("not proxied: incoming headers, no backend", func(t *testing.T) {
		send("GET", "/shunt", "", "X-Forwarded-For", "192.0.2.7")
		line := lines.next(t)
		want := regexp.MustCompile(`"GET /shunt HTTP/1\.1" 404 0 0 "-" "-" "127\.0\.0\.1:\d+" "-" x_forwarded_for:"192\.0\.2\.7" x_forwarded_proto:"-" vcap_request_id:"-" response_time:\d+\.\d{6} gorouter_time:0\.000000 app_id:"app-guid"`)
		if !want.MatchString(line) {
			t.Errorf("got  %s\nwant %s", line, want)
		}
	})
	t.Run("no route", func(t *testing.T) {
		send("GET", "/nope", "")
		line := lines.next(t)
		want := regexp.MustCompile(` "-" x_forwarded_for:"-" x_forwarded_proto:"-" vcap_request_id:"-" response_time:\d+\.\d{6} gorouter_time:0\.000000 app_id:"-" app_index:"-" instance_id:"-" x_cf_routererror:"-"$`)
		if !want.MatchString(line) {
			t.Errorf("got  %s\nwant %s", line, want)
		}
	})
}

// case52 is the proxied line of test case 52 (nats.md §18).
var case52 = regexp.MustCompile(`^app\.test - \[\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{9}Z\] "GET /p\?x=1 HTTP/1\.1" 200 0 \d+ "-" "[^"]*" "127\.0\.0\.1:\d+" "127\.0\.0\.1:\d+" x_forwarded_for:"127\.0\.0\.1" x_forwarded_proto:"http" vcap_request_id:"[0-9a-f-]{36}" response_time:\d+\.\d{6} gorouter_time:\d+\.\d{6} app_id:"[^"]+" app_index:"2" instance_id:"inst-1" x_cf_routererror:"-"$`)

func TestAccessLogBackendFields(t *testing.T) {
	be := backend(t, func(w http.ResponseWriter, r *http.Request) {
		time.Sleep(20 * time.Millisecond)
		_, _ = io.Copy(io.Discard, r.Body)
	})
	fx := startProxy(t, Options{}, netRoute("r", "/", be.URL))
	do(t, mustReq(t, "PUT", fx.url("/"), strings.NewReader("12345")))
	e := waitEntry(t, fx.log)
	if e.Backend != strings.TrimPrefix(be.URL, "http://") || e.BytesRead != 5 {
		t.Errorf("backend %q bytes read %d", e.Backend, e.BytesRead)
	}
	if e.BackendDuration < 20*time.Millisecond || e.BackendDuration > e.Duration {
		t.Errorf("backend duration %v of %v", e.BackendDuration, e.Duration)
	}
	if host, _, _ := net.SplitHostPort(e.RemoteAddr); host != "127.0.0.1" {
		t.Errorf("remote addr %q", e.RemoteAddr)
	}
}

// waitEntry waits for the access log entry of the one request sent: it is
// logged after the response went out.
func waitEntry(t *testing.T, l *recordingLog) AccessEntry {
	t.Helper()
	for range 500 {
		l.mu.Lock()
		n := len(l.entries)
		l.mu.Unlock()
		if n > 0 {
			return l.last(t)
		}
		time.Sleep(10 * time.Millisecond)
	}
	return l.last(t)
}
