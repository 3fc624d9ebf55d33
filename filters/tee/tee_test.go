package tee

import (
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/skiff-proxy/skiff/filters"
	"github.com/skiff-proxy/skiff/filters/filtertest"
)

// seen is what the shadow backend received.
type seen struct {
	method, uri, host, ua string
	header                http.Header
	body                  string
	bodyErr               error
	contentLength         int64
}

type shadowServer struct {
	*httptest.Server
	got     chan seen
	release chan struct{} // closed to let blocked handlers finish
	block   bool
}

func newShadowServer(t *testing.T, block bool) *shadowServer {
	t.Helper()
	s := &shadowServer{got: make(chan seen, 100), release: make(chan struct{}), block: block}
	s.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/redirect" {
			http.Redirect(w, r, "/final", http.StatusFound)
			return
		}
		if s.block {
			select {
			case <-s.release:
			case <-r.Context().Done():
			}
		}
		b, err := io.ReadAll(r.Body)
		s.got <- seen{method: r.Method, uri: r.RequestURI, host: r.Host, ua: r.UserAgent(), header: r.Header,
			body: string(b), bodyErr: err, contentLength: r.ContentLength}
		w.Write([]byte("shadow answer"))
	}))
	t.Cleanup(func() {
		s.releaseAll()
		s.Close()
	})
	return s
}

var releaseMu sync.Mutex

func (s *shadowServer) releaseAll() {
	releaseMu.Lock()
	defer releaseMu.Unlock()
	select {
	case <-s.release:
	default:
		close(s.release)
	}
}

func newShadow(t *testing.T, o Options) *Shadow {
	t.Helper()
	s := NewShadow(o)
	t.Cleanup(func() { s.Close() })
	return s
}

func specOf(s *Shadow, name string) filters.Spec {
	for _, sp := range Specs(s) {
		if sp.Name() == name {
			return sp
		}
	}
	panic(name)
}

// waitIdle waits for the shadow requests to end; it guards against a hang,
// it does not measure speed.
func waitIdle(t *testing.T, s *Shadow) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for s.InFlight() != 0 {
		if time.Now().After(deadline) {
			t.Fatalf("%d shadow requests still running", s.InFlight())
		}
		time.Sleep(time.Millisecond)
	}
}

func receive(t *testing.T, ch <-chan seen) seen {
	t.Helper()
	select {
	case s := <-ch:
		return s
	case <-time.After(10 * time.Second):
		t.Fatal("shadow backend got nothing")
		return seen{}
	}
}

func TestCreateFilterArgs(t *testing.T) {
	s := newShadow(t, Options{})
	for _, tc := range []struct {
		args []any
		bad  string
	}{
		{[]any{"http://shadow.example:8080"}, ""},
		{[]any{"https://shadow.example", "^/api/(.*)", "/v2/$1"}, ""},
		{nil, "want 1 or 3 arguments"},
		{[]any{"http://a", "x"}, "want 1 or 3 arguments"},
		{[]any{1.0}, "argument 1 must be a URL"},
		{[]any{"shadow.example"}, "argument 1 \"shadow.example\""},
		{[]any{"ftp://shadow.example"}, "argument 1"},
		{[]any{"http://a", "([", "x"}, "argument 2"},
		{[]any{"http://a", "x", 1.0}, "argument 3"},
	} {
		for _, name := range []string{Name, NoFollowName} {
			filtertest.CheckCreate(t, specOf(s, name), tc.args, tc.bad)
		}
	}
}

func TestCopiesRequest(t *testing.T) {
	srv := newShadowServer(t, false)
	s := newShadow(t, Options{})
	for _, tc := range []struct {
		name, target string
		args         []any
		wantURI      string
	}{
		{"same path and query", "/api/items?id=1&x=%20", nil, "/api/items?id=1&x=%20"},
		{"rewritten path", "/api/items?id=1", []any{"^/api/(.*)$", "/v2/$1"}, "/v2/items?id=1"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := filtertest.Create(t, specOf(s, Name), append([]any{srv.URL}, tc.args...)...)
			req := httptest.NewRequest("DELETE", "http://main.example"+tc.target, nil)
			req.Header.Set("X-Trace", "abc")
			req.Header.Set("User-Agent", "client/1")
			ctx := filtertest.NewContext(req)
			f.Request(ctx)
			if ctx.Served() || req.URL.String() != "http://main.example"+tc.target || req.Host != "main.example" {
				t.Fatalf("main request changed: %v %s", req.URL, req.Host)
			}
			got := receive(t, srv.got)
			want := strings.TrimPrefix(srv.URL, "http://")
			if got.method != "DELETE" || got.uri != tc.wantURI || got.host != want || got.header.Get("X-Trace") != "abc" || got.ua != "client/1" {
				t.Fatalf("shadow got %+v", got)
			}
		})
	}
	waitIdle(t, s)
}

func TestCopiesBodyAsMainReadsIt(t *testing.T) {
	srv := newShadowServer(t, false)
	s := newShadow(t, Options{})
	f := filtertest.Create(t, specOf(s, Name), srv.URL)
	body := strings.Repeat("payload ", 10000)
	req := httptest.NewRequest("POST", "/upload", strings.NewReader(body))
	f.Request(filtertest.NewContext(req))
	main, err := io.ReadAll(req.Body)
	req.Body.Close()
	if err != nil || string(main) != body {
		t.Fatalf("main body changed: %v", err)
	}
	got := receive(t, srv.got)
	if got.body != body || got.bodyErr != nil || got.contentLength != int64(len(body)) {
		t.Fatalf("shadow body %d bytes, err %v, length %d", len(got.body), got.bodyErr, got.contentLength)
	}
	waitIdle(t, s)
}

func TestChunkedBody(t *testing.T) {
	srv := newShadowServer(t, false)
	s := newShadow(t, Options{})
	f := filtertest.Create(t, specOf(s, Name), srv.URL)
	pr, pw := io.Pipe()
	req := httptest.NewRequest("POST", "/stream", pr)
	req.ContentLength = -1
	f.Request(filtertest.NewContext(req))
	go func() {
		pw.Write([]byte("part one,"))
		pw.Write([]byte("part two"))
		pw.Close()
	}()
	if b, _ := io.ReadAll(req.Body); string(b) != "part one,part two" {
		t.Fatalf("main got %q", b)
	}
	if got := receive(t, srv.got); got.body != "part one,part two" {
		t.Fatalf("shadow got %q", got.body)
	}
	waitIdle(t, s)
}

// TestMainNotBlockedBySlowShadow: the shadow backend does not read at all;
// the main request still reads its whole body (more than the buffer), and
// the abandoned shadow request ends.
func TestMainNotBlockedBySlowShadow(t *testing.T) {
	srv := newShadowServer(t, true)
	s := newShadow(t, Options{BufferSize: 1024, Timeout: time.Hour})
	f := filtertest.Create(t, specOf(s, Name), srv.URL)
	body := strings.Repeat("x", 1<<20)
	req := httptest.NewRequest("PUT", "/big", strings.NewReader(body))
	f.Request(filtertest.NewContext(req))
	main, err := io.ReadAll(req.Body)
	if err != nil || len(main) != len(body) {
		t.Fatalf("main read %d bytes: %v", len(main), err)
	}
	req.Body.Close()
	srv.releaseAll()
	got := receive(t, srv.got)
	if got.bodyErr == nil && got.body == body {
		t.Fatal("shadow got the full body although it fell behind the buffer")
	}
	waitIdle(t, s)
}

func TestConcurrencyBound(t *testing.T) {
	srv := newShadowServer(t, true)
	s := newShadow(t, Options{MaxConcurrent: 2, Timeout: time.Hour})
	f := filtertest.Create(t, specOf(s, Name), srv.URL)
	for i := 0; i < 5; i++ {
		f.Request(filtertest.NewContext(httptest.NewRequest("GET", "/", nil)))
	}
	if s.Sent() != 2 || s.Dropped() != 3 {
		t.Fatalf("sent %d dropped %d", s.Sent(), s.Dropped())
	}
	srv.releaseAll()
	receive(t, srv.got)
	receive(t, srv.got)
	waitIdle(t, s)
	f.Request(filtertest.NewContext(httptest.NewRequest("GET", "/", nil)))
	receive(t, srv.got)
	waitIdle(t, s)
}

func TestTimeoutEndsShadow(t *testing.T) {
	srv := newShadowServer(t, true)
	s := newShadow(t, Options{Timeout: 20 * time.Millisecond})
	f := filtertest.Create(t, specOf(s, Name), srv.URL)
	f.Request(filtertest.NewContext(httptest.NewRequest("GET", "/", nil)))
	waitIdle(t, s) // returns only if the timeout canceled the blocked request
}

func TestCloseCancelsInFlight(t *testing.T) {
	srv := newShadowServer(t, true)
	s := NewShadow(Options{Timeout: time.Hour})
	f := filtertest.Create(t, specOf(s, Name), srv.URL)
	req := httptest.NewRequest("POST", "/", strings.NewReader("never read by main"))
	f.Request(filtertest.NewContext(req))
	s.Close() // must not wait for the blocked shadow backend
	if s.InFlight() != 0 {
		t.Fatalf("%d in flight after Close", s.InFlight())
	}
	f.Request(filtertest.NewContext(httptest.NewRequest("GET", "/", nil)))
	if s.Sent() != 1 || s.Dropped() != 1 {
		t.Fatalf("request after Close: sent %d dropped %d", s.Sent(), s.Dropped())
	}
	s.Close()
}

func TestRedirects(t *testing.T) {
	srv := newShadowServer(t, false)
	s := newShadow(t, Options{})
	for _, tc := range []struct {
		name string
		want string
	}{
		{Name, "/final"},
		{NoFollowName, ""},
	} {
		f := filtertest.Create(t, specOf(s, tc.name), srv.URL)
		f.Request(filtertest.NewContext(httptest.NewRequest("GET", "/redirect", nil)))
		waitIdle(t, s)
		got := ""
		select {
		case g := <-srv.got:
			got = g.uri
		default:
		}
		if got != tc.want {
			t.Errorf("%s: shadow backend saw %q, want %q", tc.name, got, tc.want)
		}
	}
}

func TestUpgradeNotCopied(t *testing.T) {
	s := newShadow(t, Options{})
	f := filtertest.Create(t, specOf(s, Name), "http://127.0.0.1:1")
	req := httptest.NewRequest("GET", "/ws", nil)
	req.Header.Set("Connection", "keep-alive, Upgrade")
	req.Header.Set("Upgrade", "websocket")
	f.Request(filtertest.NewContext(req))
	if s.Sent() != 0 {
		t.Fatal("upgrade request copied")
	}
}

func TestConcurrentRequests(t *testing.T) {
	srv := newShadowServer(t, false)
	s := newShadow(t, Options{MaxConcurrent: 1000})
	f := filtertest.Create(t, specOf(s, Name), srv.URL)
	var wg sync.WaitGroup
	for g := 0; g < 8; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < 10; i++ {
				req := httptest.NewRequest("POST", "/", strings.NewReader("body"))
				f.Request(filtertest.NewContext(req))
				io.ReadAll(req.Body)
				req.Body.Close()
			}
		}()
	}
	wg.Wait()
	for i := 0; i < 80; i++ {
		if got := receive(t, srv.got); got.body != "body" {
			t.Fatalf("shadow body %q %v", got.body, got.bodyErr)
		}
	}
	waitIdle(t, s)
}

func TestPipe(t *testing.T) {
	p := newPipe(8)
	p.write([]byte("abcd"))
	p.write([]byte("efgh"))
	buf := make([]byte, 3)
	if n, _ := p.Read(buf); string(buf[:n]) != "abc" {
		t.Fatalf("got %q", buf[:n])
	}
	p.write([]byte("ij")) // 5 pending + 2 fits in 8
	p.closeWrite(io.EOF)
	if rest, err := io.ReadAll(p); err != nil || string(rest) != "defghij" {
		t.Fatalf("got %q %v", rest, err)
	}
	q := newPipe(4)
	q.write([]byte("abcde"))
	if _, err := q.Read(buf); !errors.Is(err, errOverflow) {
		t.Fatalf("want overflow, got %v", err)
	}
}
