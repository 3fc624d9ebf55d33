package proxy

import (
	"bufio"
	"crypto/tls"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"golang.org/x/net/http2"
	"golang.org/x/net/http2/h2c"
	"golang.org/x/net/websocket"

	"github.com/skiff-proxy/skiff/eskip"
)

func TestStreamingFlushesEachEvent(t *testing.T) {
	next := make(chan struct{})
	be := backend(t, func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/event-stream")
		for i := range 3 {
			io.WriteString(w, "data: "+itoa(i)+"\n\n")
			w.(http.Flusher).Flush()
			select {
			case <-next:
			case <-r.Context().Done():
				return
			}
		}
	})
	fx := startProxy(t, Options{}, netRoute("r", "/", be.URL))
	rsp, err := http.Get(fx.url("/"))
	if err != nil {
		t.Fatal(err)
	}
	defer rsp.Body.Close()
	br := bufio.NewReader(rsp.Body)
	for i := range 3 {
		// Each event must arrive before the backend is allowed to send the
		// next one: the proxy may not hold it in a buffer.
		line, err := br.ReadString('\n')
		if err != nil {
			t.Fatalf("event %d: %v", i, err)
		}
		if want := "data: " + itoa(i) + "\n"; line != want {
			t.Fatalf("got %q, want %q", line, want)
		}
		br.ReadString('\n')
		next <- struct{}{}
	}
}

func TestTrailers(t *testing.T) {
	be := backend(t, func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Trailer", "X-Checksum")
		io.WriteString(w, "body")
		w.Header().Set("X-Checksum", "abc")
	})
	fx := startProxy(t, Options{}, netRoute("r", "/", be.URL))
	rsp, body := get(t, fx.url("/"))
	if body != "body" {
		t.Fatalf("body %q", body)
	}
	if got := rsp.Trailer.Get("X-Checksum"); got != "abc" {
		t.Errorf("trailer %q (trailers %v)", got, rsp.Trailer)
	}
}

func TestRequestBodies(t *testing.T) {
	be := backend(t, func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		w.Header().Set("X-Len", itoa(int(r.ContentLength)))
		w.Header().Set("X-TE", strings.Join(r.TransferEncoding, ","))
		w.Header().Set("X-Trailer", r.Trailer.Get("X-Sig"))
		w.Write(b)
	})
	fx := startProxy(t, Options{}, netRoute("r", "/", be.URL))
	big := strings.Repeat("0123456789", 10000)

	rsp, body := do(t, mustReq(t, "PUT", fx.url("/"), strings.NewReader(big)))
	if body != big || rsp.Header.Get("X-Len") != itoa(len(big)) {
		t.Errorf("content-length body: len %d, header %q", len(body), rsp.Header.Get("X-Len"))
	}

	// Unknown length: streamed chunked, trailers forwarded.
	req := mustReq(t, "POST", fx.url("/"), io.MultiReader(strings.NewReader(big)))
	req.ContentLength = -1
	req.Trailer = http.Header{"X-Sig": nil}
	req.Body = &trailerBody{r: strings.NewReader(big), req: req}
	rsp, body = do(t, req)
	if body != big || rsp.Header.Get("X-TE") != "chunked" {
		t.Errorf("chunked body: len %d, te %q", len(body), rsp.Header.Get("X-TE"))
	}
	if got := rsp.Header.Get("X-Trailer"); got != "s1" {
		t.Errorf("request trailer %q", got)
	}
}

type trailerBody struct {
	r   io.Reader
	req *http.Request
}

func (b *trailerBody) Read(p []byte) (int, error) {
	n, err := b.r.Read(p)
	if err == io.EOF {
		b.req.Trailer.Set("X-Sig", "s1")
	}
	return n, err
}
func (b *trailerBody) Close() error { return nil }

func TestHeadAndInterimResponses(t *testing.T) {
	be := backend(t, func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Link", "</style.css>; rel=preload")
		w.WriteHeader(http.StatusEarlyHints)
		w.Header().Set("Content-Length", "5")
		io.WriteString(w, "hello")
	})
	fx := startProxy(t, Options{}, netRoute("r", "/", be.URL))
	rsp, body := do(t, mustReq(t, "HEAD", fx.url("/"), nil))
	if rsp.StatusCode != 200 || body != "" || rsp.ContentLength != 5 {
		t.Errorf("HEAD: %d %q length %d", rsp.StatusCode, body, rsp.ContentLength)
	}
	rsp, body = get(t, fx.url("/"))
	if rsp.StatusCode != 200 || body != "hello" {
		t.Errorf("GET after 103: %d %q", rsp.StatusCode, body)
	}
}

// TestStaleConnectionRetried: the backend closes a keep-alive connection
// after one answer without saying so; the next request finds it dead in
// the pool and must go out on a fresh connection.
func TestStaleConnectionRetried(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	go func() {
		defer close(done)
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			br := bufio.NewReader(c)
			if _, err := http.ReadRequest(br); err == nil {
				io.WriteString(c, "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok")
			}
			c.Close()
		}
	}()
	defer func() { l.Close(); <-done }()

	fx := startProxy(t, Options{}, netRoute("r", "/", "http://"+l.Addr().String()))
	for i := range 3 {
		rsp, body := get(t, fx.url("/"))
		if rsp.StatusCode != 200 || body != "ok" {
			t.Fatalf("request %d: %d %q", i, rsp.StatusCode, body)
		}
		time.Sleep(20 * time.Millisecond) // let the close reach the pooled connection
	}
}

func TestWebSocketEcho(t *testing.T) {
	be := httptest.NewServer(websocket.Handler(func(ws *websocket.Conn) { io.Copy(ws, ws) }))
	defer be.Close()
	fx := startProxy(t, Options{}, netRoute("ws", "/ws", be.URL, f("trace", "x")))

	ws, err := websocket.Dial("ws"+strings.TrimPrefix(fx.url("/ws"), "http"), "", "http://origin.example")
	if err != nil {
		t.Fatal(err)
	}
	for _, msg := range []string{"hello", strings.Repeat("x", 100000)} {
		if err := websocket.Message.Send(ws, msg); err != nil {
			t.Fatal(err)
		}
		// The echo handler answers in frames of its own size: read bytes.
		b := make([]byte, len(msg))
		if _, err := io.ReadFull(ws, b); err != nil {
			t.Fatal(err)
		}
		if got := string(b); got != msg {
			t.Fatalf("echo of %d bytes came back as %d bytes", len(msg), len(got))
		}
	}
	ws.Close()
}

func TestUpgradeRefused(t *testing.T) {
	be := backend(t, func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(http.StatusForbidden) })
	fx := startProxy(t, Options{}, netRoute("ws", "/", be.URL))
	req := mustReq(t, "GET", fx.url("/"), nil)
	req.Header.Set("Connection", "Upgrade")
	req.Header.Set("Upgrade", "websocket")
	rsp, _ := do(t, req)
	if rsp.StatusCode != http.StatusForbidden {
		t.Errorf("status %d", rsp.StatusCode)
	}
	fx2 := startProxy(t, Options{}, netRoute("ws", "/", "http://"+deadAddr(t)))
	rsp, _ = do(t, withUpgrade(mustReq(t, "GET", fx2.url("/"), nil)))
	if rsp.StatusCode != http.StatusServiceUnavailable {
		t.Errorf("dial failure: status %d, want 503", rsp.StatusCode)
	}
}

func withUpgrade(r *http.Request) *http.Request {
	r.Header.Set("Connection", "Upgrade")
	r.Header.Set("Upgrade", "websocket")
	return r
}

func TestHTTP2ToProxy(t *testing.T) {
	be := backend(t, nil)
	p := New(Options{Tables: staticTables{buildTable(t, netRoute("r", "/x", be.URL))}})
	defer p.Close()
	s := httptest.NewUnstartedServer(p)
	s.EnableHTTP2 = true
	s.StartTLS()
	defer s.Close()
	c := s.Client()
	rsp, err := c.Post(s.URL+"/x?y", "text/plain", strings.NewReader("h2 body"))
	if err != nil {
		t.Fatal(err)
	}
	defer rsp.Body.Close()
	b, _ := io.ReadAll(rsp.Body)
	if rsp.ProtoMajor != 2 || string(b) != "backend" || rsp.Header.Get("X-Got-Body") != "h2 body" || rsp.Header.Get("X-Got-Uri") != "/x?y" {
		t.Errorf("proto %s body %q headers %v", rsp.Proto, b, rsp.Header)
	}
	c.CloseIdleConnections()
}

func TestH2CBackend(t *testing.T) {
	be := httptest.NewServer(h2c.NewHandler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("X-Proto", r.Proto)
		io.WriteString(w, "h2c")
	}), &http2.Server{}))
	defer be.Close()
	fx := startProxy(t, Options{}, netRoute("r", "/", strings.Replace(be.URL, "http://", "h2c://", 1)))
	rsp, body := get(t, fx.url("/"))
	if rsp.StatusCode != 200 || body != "h2c" || rsp.Header.Get("X-Proto") != "HTTP/2.0" {
		t.Errorf("got %d %q proto %q", rsp.StatusCode, body, rsp.Header.Get("X-Proto"))
	}
	fx.proxy.h2c.CloseIdleConnections()
}

func TestHTTPSBackend(t *testing.T) {
	be := httptest.NewTLSServer(http.HandlerFunc(echo))
	defer be.Close()
	fx := startProxy(t, Options{ClientTLS: &tls.Config{RootCAs: be.Client().Transport.(*http.Transport).TLSClientConfig.RootCAs}},
		&eskip.Route{Id: "r", Path: "/", BackendType: eskip.NetworkBackend, Backend: be.URL})
	rsp, body := get(t, fx.url("/"))
	if rsp.StatusCode != 200 || body != "backend" || rsp.Header.Get("X-Got-UA") != "" {
		t.Errorf("got %d %q ua %q", rsp.StatusCode, body, rsp.Header.Get("X-Got-UA"))
	}
}

func TestUpgradeOutlivesServerTimeouts(t *testing.T) {
	be := httptest.NewServer(websocket.Handler(func(ws *websocket.Conn) { io.Copy(ws, ws) }))
	defer be.Close()
	p := New(Options{Tables: staticTables{buildTable(t, netRoute("ws", "/ws", be.URL))}})
	defer p.Close()
	s := httptest.NewUnstartedServer(p)
	s.Config.ReadTimeout = 200 * time.Millisecond
	s.Config.WriteTimeout = 200 * time.Millisecond
	s.Start()
	defer s.Close()
	ws, err := websocket.Dial("ws"+strings.TrimPrefix(s.URL, "http")+"/ws", "", "http://o")
	if err != nil {
		t.Fatal(err)
	}
	defer ws.Close()
	time.Sleep(400 * time.Millisecond)
	if _, err := ws.Write([]byte("late")); err != nil {
		t.Fatal(err)
	}
	b := make([]byte, 4)
	ws.SetReadDeadline(time.Now().Add(2 * time.Second))
	if _, err := io.ReadFull(ws, b); err != nil || string(b) != "late" {
		t.Errorf("echo after the server timeouts: %q %v", b, err)
	}
}
