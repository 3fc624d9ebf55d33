package proxy

import (
	"bufio"
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/skiff-proxy/skiff/eskip"
	"github.com/skiff-proxy/skiff/filters"
	"github.com/skiff-proxy/skiff/proxy/internal/h1"
)

// slow answers after d or when the request is canceled.
func slow(d time.Duration) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-time.After(d):
		case <-r.Context().Done():
		}
	}
}

// resetting accepts the request and resets the connection without
// answering.
func resetting(w http.ResponseWriter, r *http.Request) {
	c, _, err := http.NewResponseController(w).Hijack()
	if err != nil {
		panic(err)
	}
	_ = c.(*net.TCPConn).SetLinger(0)
	c.Close()
}

func TestErrorStatuses(t *testing.T) {
	slowBe := backend(t, slow(2*time.Second))
	resetBe := backend(t, resetting)
	dead := "http://" + deadAddr(t)
	for _, tc := range []struct {
		name   string
		opts   Options
		route  *eskip.Route
		path   string
		status int
	}{
		{"no route", Options{}, netRoute("r", "/x", dead), "/nothing", 404},
		{"no route custom status", Options{DefaultHTTPStatus: 418}, netRoute("r", "/x", dead), "/nothing", 418},
		{"dial failure", Options{}, netRoute("r", "/", dead), "/", 502},
		{"connection reset", Options{}, netRoute("r", "/", resetBe.URL), "/", 503},
		{"backend timeout", Options{}, netRoute("r", "/", slowBe.URL, f("dur", filters.BackendTimeout, 50.0)), "/", 504},
		{"response header timeout", Options{Timeouts: Timeouts{ResponseHeader: 50 * time.Millisecond}}, netRoute("r", "/", slowBe.URL), "/", 504},
		{"panic", Options{}, netRoute("r", "/", dead, f("panic")), "/", 500},
	} {
		t.Run(tc.name, func(t *testing.T) {
			fx := startProxy(t, tc.opts, tc.route)
			rsp, body := get(t, fx.url(tc.path))
			if rsp.StatusCode != tc.status {
				t.Fatalf("status %d, want %d (body %q)", rsp.StatusCode, tc.status, body)
			}
			if want := http.StatusText(tc.status) + "\n"; body != want {
				t.Errorf("body %q, want %q", body, want)
			}
			for h, want := range map[string]string{
				"Content-Type":           "text/plain; charset=utf-8",
				"X-Content-Type-Options": "nosniff",
				"Server":                 "skiff",
				"Content-Length":         itoa(len(body)),
			} {
				if got := rsp.Header.Get(h); got != want {
					t.Errorf("%s: %q, want %q", h, got, want)
				}
			}
			if e := fx.log.last(t); e.Status != tc.status {
				t.Errorf("logged status %d", e.Status)
			}
		})
	}
}

func itoa(n int) string { return strconv.Itoa(n) }

func TestErrorHandlingFilters(t *testing.T) {
	dead := "http://" + deadAddr(t)
	fx := startProxy(t, Options{}, netRoute("r", "/", dead, f("trace", "a"), f("errh"), f("trace", "b")))
	rsp, _ := get(t, fx.url("/"))
	if rsp.StatusCode != 502 {
		t.Fatalf("status %d", rsp.StatusCode)
	}
	if rsp.Header.Get("X-Err-Handled") != "yes" {
		t.Error("error-handling filter did not see the error response")
	}
	if got := rsp.Header.Values("X-Trace"); len(got) != 0 {
		t.Errorf("ordinary filters saw the error response: %q", got)
	}
}

func TestClientCancelLogs499(t *testing.T) {
	be := backend(t, slow(2*time.Second))
	fx := startProxy(t, Options{}, netRoute("r", "/", be.URL))
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, "GET", fx.url("/"), nil)
	if _, err := http.DefaultTransport.RoundTrip(req); err == nil {
		t.Fatal("request did not fail")
	}
	deadline := time.Now().Add(2 * time.Second)
	for {
		fx.log.mu.Lock()
		n := len(fx.log.entries)
		fx.log.mu.Unlock()
		if n > 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("no access log entry")
		}
		time.Sleep(10 * time.Millisecond)
	}
	if e := fx.log.last(t); e.Status != statusClientClosed {
		t.Errorf("logged status %d, want 499", e.Status)
	}
}

func TestPanicIsolated(t *testing.T) {
	be := backend(t, nil)
	fx := startProxy(t, Options{}, netRoute("p", "/panic", be.URL, f("panic")), netRoute("ok", "/ok", be.URL))
	for range 5 {
		if rsp, _ := get(t, fx.url("/panic")); rsp.StatusCode != 500 {
			t.Fatalf("panic route: %d", rsp.StatusCode)
		}
		if rsp, body := get(t, fx.url("/ok")); rsp.StatusCode != 200 || body != "backend" {
			t.Fatalf("ok route after panic: %d %q", rsp.StatusCode, body)
		}
	}
}

func TestFilterOrder(t *testing.T) {
	be := backend(t, nil)
	for _, tc := range []struct {
		name      string
		filters   []*eskip.Filter
		status    int
		body      string
		reqTrace  string
		respTrace string
	}{
		{"all run", []*eskip.Filter{f("trace", "a"), f("trace", "b"), f("trace", "c")}, 200, "backend", "a,b,c", "c,b,a"},
		{"serve stops chain", []*eskip.Filter{f("trace", "a"), f("serve", 418.0), f("trace", "c")}, 418, "served", "", "a"},
		{"serve first", []*eskip.Filter{f("serve", 201.0), f("trace", "b")}, 201, "served", "", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			fx := startProxy(t, Options{}, netRoute("r", "/", be.URL, tc.filters...))
			rsp, body := get(t, fx.url("/"))
			if rsp.StatusCode != tc.status || body != tc.body {
				t.Fatalf("got %d %q", rsp.StatusCode, body)
			}
			if got := rsp.Header.Get("X-Got-Trace"); got != tc.reqTrace {
				t.Errorf("backend saw trace %q, want %q", got, tc.reqTrace)
			}
			if got := strings.Join(rsp.Header.Values("X-Trace"), ","); got != tc.respTrace {
				t.Errorf("response trace %q, want %q", got, tc.respTrace)
			}
			if rsp.Header.Get("Server") != "skiff" {
				t.Error("no Server header")
			}
		})
	}
}

func TestAccessLogSwitch(t *testing.T) {
	be := backend(t, nil)
	fx := startProxy(t, Options{}, netRoute("r", "/", be.URL, f("bag", filters.AuthUser, "jane")),
		&eskip.Route{Id: "off", Path: "/off", BackendType: eskip.ShuntBackend, Filters: []*eskip.Filter{f("logOff")}})
	req := mustReq(t, "GET", fx.url("/"), nil)
	req.Header.Set("X-Forwarded-For", "10.1.2.3, 10.0.0.1")
	req.Header.Set("Referer", "http://ref")
	do(t, req)
	e := fx.log.last(t)
	if e.ClientIP != "10.1.2.3, 10.0.0.1" || e.AuthUser != "jane" || e.Referer != "http://ref" || e.Proto != "HTTP/1.1" {
		t.Errorf("entry %+v", e)
	}
	get(t, fx.url("/off"))
	fx.log.mu.Lock()
	n := len(fx.log.entries)
	fx.log.mu.Unlock()
	if n != 1 {
		t.Errorf("%d entries; the route that switched the log off was logged", n)
	}
}

// TestReadTimeout: a client that stops sending its body in the middle is
// cut off by readTimeout and answered 408 on a closed connection.
func TestReadTimeout(t *testing.T) {
	be := backend(t, nil)
	fx := startProxy(t, Options{}, netRoute("r", "/", be.URL, f("dur", filters.ReadTimeout, 100.0)))
	c, err := net.Dial("tcp", strings.TrimPrefix(fx.server.URL, "http://"))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	io.WriteString(c, "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 10\r\n\r\nab")
	c.SetReadDeadline(time.Now().Add(3 * time.Second))
	got, _ := io.ReadAll(c) // until the proxy gives up on the body and closes
	if !strings.HasPrefix(string(got), "HTTP/1.1 408 ") || !strings.Contains(string(got), "Connection: close\r\n") {
		t.Errorf("answer %q, want a 408 with Connection: close", got)
	}
	waitLog(t, fx.log)
	if e := fx.log.last(t); e.Status != http.StatusRequestTimeout {
		t.Errorf("logged status %d, want 408", e.Status)
	}
}

// TestMalformedChunkedBody: a request body that is not valid chunked
// encoding is the client's error: 400.
func TestMalformedChunkedBody(t *testing.T) {
	be := backend(t, nil)
	fx := startProxy(t, Options{}, netRoute("r", "/", be.URL))
	c, err := net.Dial("tcp", strings.TrimPrefix(fx.server.URL, "http://"))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	io.WriteString(c, "POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\nzz\r\n")
	rsp, err := http.ReadResponse(bufio.NewReader(c), nil)
	if err != nil {
		t.Fatal(err)
	}
	rsp.Body.Close()
	if rsp.StatusCode != http.StatusBadRequest {
		t.Errorf("status %d, want 400", rsp.StatusCode)
	}
}

func waitLog(t *testing.T, l *recordingLog) {
	t.Helper()
	deadline := time.Now().Add(3 * time.Second)
	for {
		l.mu.Lock()
		n := len(l.entries)
		l.mu.Unlock()
		if n > 0 {
			return
		}
		if time.Now().After(deadline) {
			t.Fatal("no access log entry")
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// TestWriteTimeout: a client that does not read a large response is cut
// off by writeTimeout instead of holding the proxy for ever.
func TestWriteTimeout(t *testing.T) {
	chunk := strings.Repeat("x", 64<<10)
	// The backend goes on until a write fails: a backend that stopped
	// early would end its response cleanly, and a complete response is
	// not what this test is about.
	be := backend(t, func(w http.ResponseWriter, r *http.Request) {
		for i := 0; i < 1000; i++ {
			if _, err := io.WriteString(w, chunk); err != nil {
				return
			}
		}
	})
	fx := startProxy(t, Options{}, netRoute("r", "/", be.URL, f("dur", filters.WriteTimeout, 100.0)))
	c, err := net.Dial("tcp", strings.TrimPrefix(fx.server.URL, "http://"))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	io.WriteString(c, "GET / HTTP/1.1\r\nHost: x\r\n\r\n")
	waitLog(t, fx.log) // without reading: the proxy must give up on its own
	if e := fx.log.last(t); e.Status != statusClientClosed || e.BytesWritten >= 1000*int64(len(chunk)) {
		t.Errorf("logged status %d after %d bytes, want 499 and a cut response", e.Status, e.BytesWritten)
	}
}

func TestStatusForInvalidRequest(t *testing.T) {
	for _, err := range []error{
		&h1.InvalidRequestError{Err: errors.New("invalid header field value")},
		errors.New(`net/http: invalid header field value for "X"`),
		errors.New(`net/http: HTTP/1.x transport connection broken: net/http: can't write control character in Request.URL`),
		errors.New(`invalid Trailer key "Content-Length"`),
		errors.New(`net/http: invalid method "G(E)T"`),
	} {
		if got := statusFor(t.Context(), err); got != http.StatusBadRequest {
			t.Errorf("%v: %d, want 400", err, got)
		}
	}
	if got := statusFor(t.Context(), errors.New(`http: bad trailer key "Content-Length"`)); got != http.StatusBadGateway {
		t.Errorf("a response's bad trailer key: %d, want 502", got)
	}
	// The upgrade path reads the answer with badResponse around any error.
	if got := statusFor(t.Context(), h1.BadResponse(&h1.InvalidRequestError{Err: errors.New("invalid Host")})); got != http.StatusBadRequest {
		t.Errorf("through badResponse: %d, want 400", got)
	}
}
