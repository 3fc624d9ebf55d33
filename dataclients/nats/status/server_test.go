package status

import (
	"bufio"
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"
)

// TestServerDefaults pins the loopback default address and that every
// network read has a limit.
func TestServerDefaults(t *testing.T) {
	if DefaultAddr != "127.0.0.1:8082" {
		t.Fatalf("DefaultAddr = %q", DefaultAddr)
	}
	s := &Server{Handler: http.NotFoundHandler()}
	if _, err := s.Start("127.0.0.1:0"); err != nil {
		t.Fatal(err)
	}
	defer s.Close(context.Background())
	srv := s.srv
	for name, d := range map[string]time.Duration{
		"ReadHeaderTimeout": srv.ReadHeaderTimeout, "ReadTimeout": srv.ReadTimeout,
		"WriteTimeout": srv.WriteTimeout, "IdleTimeout": srv.IdleTimeout,
	} {
		if d <= 0 {
			t.Errorf("%s = %v, want a limit", name, d)
		}
	}
	if srv.MaxHeaderBytes != DefaultMaxHeaderBytes {
		t.Errorf("MaxHeaderBytes = %d", srv.MaxHeaderBytes)
	}
}

// TestServerLifecycle pins Start/Close/Shutdown: the address bound, errors
// on misuse, and that nothing keeps running afterwards (goleak, TestMain).
func TestServerLifecycle(t *testing.T) {
	for _, tc := range []struct {
		name string
		stop func(*Server) error
	}{
		{name: "Close", stop: func(s *Server) error { return s.Close(context.Background()) }},
		{name: "Shutdown", stop: func(s *Server) error { return s.Shutdown(context.Background()) }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := &Server{Handler: NewHandler(Config{}, nil, fakeHealth(true))}
			addr, err := s.Start("127.0.0.1:0")
			if err != nil {
				t.Fatal(err)
			}
			if ip := addr.(*net.TCPAddr).IP; !ip.IsLoopback() {
				t.Fatalf("bound %v", addr)
			}
			if _, err := s.Start("127.0.0.1:0"); !errors.Is(err, ErrServerStarted) {
				t.Fatalf("second Start: %v", err)
			}
			if r := get(t, "GET", "http://"+addr.String()+"/health", ""); r.status != 200 {
				t.Fatalf("health %d", r.status)
			}
			// A keep-alive connection left idle must not hold the stop up.
			idle, err := net.Dial("tcp", addr.String())
			if err != nil {
				t.Fatal(err)
			}
			defer idle.Close()
			if _, err := io.WriteString(idle, "GET "+pathAlive+" HTTP/1.1\r\nHost: x\r\n\r\n"); err != nil {
				t.Fatal(err)
			}
			resp, err := http.ReadResponse(bufio.NewReader(idle), nil)
			if err != nil {
				t.Fatal(err)
			}
			_, _ = io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			if resp.Close {
				t.Fatal("liveness probe closed the connection")
			}
			if err := tc.stop(s); err != nil {
				t.Fatal(err)
			}
			if _, err := net.Dial("tcp", addr.String()); err == nil {
				t.Fatal("still accepting after stop")
			}
			if err := tc.stop(s); err != nil {
				t.Fatalf("second stop: %v", err)
			}
			if _, err := s.Start("127.0.0.1:0"); !errors.Is(err, ErrServerClosed) {
				t.Fatalf("Start after stop: %v", err)
			}
		})
	}
}

// registerOnDefaultMux puts a handler on DefaultServeMux once per test
// binary: registering a pattern twice panics, and -count runs tests again.
var registerOnDefaultMux = sync.OnceFunc(func() {
	http.DefaultServeMux.HandleFunc("/status-test-default-mux", func(w http.ResponseWriter, r *http.Request) {})
})

// TestServerNilHandler pins that a nil Handler is not DefaultServeMux.
func TestServerNilHandler(t *testing.T) {
	registerOnDefaultMux()
	s := &Server{}
	addr, err := s.Start("127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close(context.Background())
	if r := get(t, "GET", "http://"+addr.String()+"/status-test-default-mux", ""); r.status != 404 {
		t.Fatalf("status %d, want 404", r.status)
	}
}

func TestServerStopUnstarted(t *testing.T) {
	s := &Server{}
	if err := s.Close(context.Background()); err != nil {
		t.Fatal(err)
	}
	if err := s.Shutdown(context.Background()); err != nil {
		t.Fatal(err)
	}
}

func TestServerStartError(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	s := &Server{Handler: http.NotFoundHandler()}
	if _, err := s.Start(ln.Addr().String()); err == nil {
		s.Close(context.Background())
		t.Fatal("Start on a port in use succeeded")
	}
}

// blocking answers only when release is closed, after writing headers.
type blocking struct {
	started chan struct{}
	release chan struct{}
	once    sync.Once
}

func (b *blocking) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	w.WriteHeader(200)
	w.(http.Flusher).Flush()
	b.once.Do(func() { close(b.started) })
	select {
	case <-b.release:
		_, _ = io.WriteString(w, "done")
	case <-r.Context().Done():
	}
}

// TestServerStopInFlight pins what happens to a request in flight:
// Shutdown lets it finish, Shutdown with an expired context and Close cut
// it.
func TestServerStopInFlight(t *testing.T) {
	for _, tc := range []struct {
		name     string
		stop     func(*Server) error
		wantErr  error
		wantBody string
	}{
		{
			name: "Shutdown waits",
			stop: func(s *Server) error {
				ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
				defer cancel()
				return s.Shutdown(ctx)
			},
			wantBody: "done",
		},
		{
			name: "Shutdown times out",
			stop: func(s *Server) error {
				ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
				defer cancel()
				return s.Shutdown(ctx)
			},
			wantErr: context.DeadlineExceeded,
		},
		{name: "Close cuts", stop: func(s *Server) error { return s.Close(context.Background()) }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h := &blocking{started: make(chan struct{}), release: make(chan struct{})}
			s := &Server{Handler: h}
			addr, err := s.Start("127.0.0.1:0")
			if err != nil {
				t.Fatal(err)
			}
			tr := &http.Transport{}
			defer tr.CloseIdleConnections()
			resp, err := (&http.Client{Transport: tr}).Get("http://" + addr.String() + "/")
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			<-h.started
			stopped := make(chan error, 1)
			go func() { stopped <- tc.stop(s) }()
			if tc.wantBody != "" {
				// Shutdown must still be waiting for the request.
				select {
				case err := <-stopped:
					t.Fatalf("Shutdown returned %v with a request in flight", err)
				case <-time.After(100 * time.Millisecond):
				}
				close(h.release)
			}
			body, _ := io.ReadAll(resp.Body)
			if err := <-stopped; !errors.Is(err, tc.wantErr) {
				t.Fatalf("stop: %v, want %v", err, tc.wantErr)
			}
			if string(body) != tc.wantBody {
				t.Fatalf("body %q, want %q", body, tc.wantBody)
			}
		})
	}
}

// TestServerLimits pins that the limits act on the wire: an oversized
// header block is refused and a client that stalls mid-header is cut off.
func TestServerLimits(t *testing.T) {
	s := &Server{Handler: NewHandler(Config{}, nil, fakeHealth(true)), ReadHeaderTimeout: 200 * time.Millisecond}
	addr, err := s.Start("127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close(context.Background())
	for _, tc := range []struct {
		name   string
		send   string
		prefix string // of what the server sends before closing
	}{
		{name: "oversized header", send: "GET /health HTTP/1.1\r\nHost: x\r\nX-Big: " + strings.Repeat("a", 2*DefaultMaxHeaderBytes) + "\r\n\r\n", prefix: "HTTP/1.1 431 "},
		{name: "stalled header", send: "GET /health HTTP/1.1\r\nHost: x\r\n", prefix: ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c, err := net.Dial("tcp", addr.String())
			if err != nil {
				t.Fatal(err)
			}
			defer c.Close()
			_ = c.SetDeadline(time.Now().Add(5 * time.Second))
			if _, err := io.WriteString(c, tc.send); err != nil {
				t.Fatal(err)
			}
			got, err := io.ReadAll(c)
			if err != nil {
				t.Fatalf("server did not close the connection: %v", err)
			}
			if !strings.HasPrefix(string(got), tc.prefix) || (tc.prefix == "" && len(got) != 0) {
				t.Fatalf("got %.40q, want prefix %q", got, tc.prefix)
			}
		})
	}
}
