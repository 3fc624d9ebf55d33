package healthcheck

import (
	"bufio"
	"context"
	"crypto/tls"
	"io"
	"log"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

// backend starts a loopback HTTP server answering with h and returns its
// host:port.
func backend(t *testing.T, h http.HandlerFunc) string {
	t.Helper()
	s := httptest.NewServer(h)
	t.Cleanup(s.Close)
	return s.Listener.Addr().String()
}

func status(code int, header ...string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		for i := 0; i+1 < len(header); i += 2 {
			w.Header().Set(header[i], header[i+1])
		}
		w.WriteHeader(code)
		w.Write([]byte(strings.Repeat("x", 10000))) // more than a probe reads
	}
}

func TestProbe(t *testing.T) {
	const timeout = 5 * time.Second // generous: TLS under the race detector can be slow
	tlsBackend := httptest.NewUnstartedServer(status(200))
	tlsBackend.Config.ErrorLog = log.New(io.Discard, "", 0) // the untrusted case's handshake error
	tlsBackend.StartTLS()
	t.Cleanup(tlsBackend.Close)
	h2c := httptest.NewUnstartedServer(status(204))
	h2c.Config.Protocols = new(http.Protocols)
	h2c.Config.Protocols.SetUnencryptedHTTP2(true) // and no HTTP/1
	h2c.Start()
	t.Cleanup(h2c.Close)
	trusted := tlsBackend.Client().Transport.(*http.Transport).TLSClientConfig

	for _, tc := range []struct {
		name   string
		scheme string
		addr   string
		tls    *tls.Config
		want   State
		reason string // the reason after "probe GET <url>: "
	}{
		{"200", "http", backend(t, status(200)), nil, Healthy, "200 OK"},
		{"500", "http", backend(t, status(500)), nil, Healthy, "500 Internal Server Error"},
		{"redirect not followed", "http", backend(t, status(302, "Location", "http://"+closedPort(t)+"/")), nil, Healthy, "302 Found"},
		{"503 Connection: close", "http", backend(t, status(503, "Connection", "close")), nil, LameDuck, "503 with Connection: close"},
		{"503 lame duck header", "http", backend(t, status(503, "X-Skiff-Lame-Duck", "true")), nil, LameDuck, "503 with X-Skiff-Lame-Duck: true"},
		{"503 lame duck header, any case", "http", backend(t, status(503, "X-Skiff-Lame-Duck", "TRUE")), nil, LameDuck, "503 with X-Skiff-Lame-Duck: true"},
		{"plain 503", "http", backend(t, status(503)), nil, Healthy, "503 Service Unavailable"},
		{"lame duck header without 503", "http", backend(t, status(200, "X-Skiff-Lame-Duck", "true")), nil, Healthy, "200 OK"},
		{"refused", "http", closedPort(t), nil, Dead, "connection refused"},
		{"https", "https", tlsBackend.Listener.Addr().String(), trusted, Healthy, "200 OK"},
		{"https, certificate not trusted", "https", tlsBackend.Listener.Addr().String(), nil, LameDuck, "certificate"},
		{"h2c, HTTP/2 only backend", "h2c", h2c.Listener.Addr().String(), nil, Healthy, "204 No Content"},
		{"DNS failure", "http", "no-such-host.invalid:80", nil, Dead, "no-such-host.invalid"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := newProber(ActiveConfig{Path: "/healthz", Timeout: timeout, TLS: tc.tls})
			defer p.closeIdle()
			e := New(Config{}).Endpoint(tc.scheme, tc.addr)
			start := time.Now()
			res := p.probe(context.Background(), e)
			if took := time.Since(start); took > timeout+time.Second {
				t.Errorf("probe took %v, timeout %v", took, timeout)
			}
			if !res.ok || res.state != tc.want {
				t.Errorf("got %v (ok %v, %q), want %v", res.state, res.ok, res.reason, tc.want)
			}
			prefix := "probe GET " + strings.Replace(tc.scheme, "h2c", "http", 1) + "://" + tc.addr + "/healthz: "
			if !strings.HasPrefix(res.reason, prefix) || !strings.Contains(res.reason[len(prefix):], tc.reason) {
				t.Errorf("reason %q, want %q followed by %q", res.reason, prefix, tc.reason)
			}
		})
	}
}

// A backend that never answers is a lame duck once the probe timeout is
// over.
func TestProbeTimeout(t *testing.T) {
	const timeout = 200 * time.Millisecond
	addr := silentServer(t)
	p := newProber(ActiveConfig{Path: "/", Timeout: timeout})
	defer p.closeIdle()
	start := time.Now()
	res := p.probe(context.Background(), New(Config{}).Endpoint("http", addr))
	took := time.Since(start)
	if took < timeout || took > timeout+time.Second {
		t.Errorf("probe took %v, timeout %v", took, timeout)
	}
	want := "probe GET http://" + addr + "/: no answer within 200ms"
	if !res.ok || res.state != LameDuck || res.reason != want {
		t.Errorf("got %v (ok %v, %q), want lame-duck (%q)", res.state, res.ok, res.reason, want)
	}
}

// The probe asks for Path with GET, says who it is, and does not ask the
// backend to close the connection (a server would echo that, and every
// 503 would look like a lame duck's).
func TestProbeRequest(t *testing.T) {
	var got atomic.Pointer[http.Request]
	addr := backend(t, func(w http.ResponseWriter, r *http.Request) {
		got.Store(r)
		w.WriteHeader(503)
	})
	for _, path := range []string{"/ready?full=1", "ready?full=1"} {
		p := newProber(ActiveConfig{Path: path, Timeout: time.Second})
		res := p.probe(context.Background(), New(Config{}).Endpoint("http", addr))
		p.closeIdle()
		if res.state != Healthy {
			t.Errorf("path %q: %v (%s)", path, res.state, res.reason)
		}
		r := got.Load()
		if r == nil {
			t.Fatalf("path %q: backend saw no request", path)
		}
		if r.Method != "GET" || r.URL.RequestURI() != "/ready?full=1" || r.UserAgent() != probeUserAgent || r.Close {
			t.Errorf("path %q: backend saw %s %s, User-Agent %q, Connection: close %v",
				path, r.Method, r.URL.RequestURI(), r.UserAgent(), r.Close)
		}
	}
}

func TestProbeNotBuilt(t *testing.T) {
	p := newProber(ActiveConfig{Path: "/", Timeout: time.Second})
	defer p.closeIdle()
	res := p.probe(context.Background(), New(Config{}).Endpoint("http", "bad host:80"))
	if res.ok {
		t.Errorf("probe of an unparsable address gave %v (%s); want no result", res.state, res.reason)
	}
}

// closes reads Connection: close as net/http leaves it in a response.
func TestCloses(t *testing.T) {
	for _, tc := range []struct {
		name, head string
		want       bool
	}{
		{"1.1 close", "HTTP/1.1 503 x\r\nConnection: close\r\n", true},
		{"1.1 close among tokens", "HTTP/1.1 503 x\r\nConnection: foo, Close\r\n", true},
		{"1.1 keep-alive", "HTTP/1.1 503 x\r\n", false},
		{"1.0 close", "HTTP/1.0 503 x\r\nConnection: close\r\n", true},
		{"1.0 without keep-alive", "HTTP/1.0 503 x\r\n", false},
		{"1.0 keep-alive", "HTTP/1.0 503 x\r\nConnection: keep-alive\r\n", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rsp, err := http.ReadResponse(bufio.NewReader(strings.NewReader(tc.head+"Content-Length: 0\r\n\r\n")), nil)
			if err != nil {
				t.Fatal(err)
			}
			if got := closes(rsp); got != tc.want {
				t.Errorf("closes = %v, want %v", got, tc.want)
			}
		})
	}
}
