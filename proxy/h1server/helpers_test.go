package h1server

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/skiff-proxy/skiff/proxy/frontconn"
)

// testServer is a Server on a loopback listener behind the guard, as the
// proxy runs it; with netHTTPOnly it is the reference: net/http alone.
type testServer struct {
	*Server
	addr string
	log  *logBuffer
}

func startServer(t testing.TB, h http.Handler, netHTTPOnly bool, guard frontconn.Config, mod ...func(*http.Server)) *testServer {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	logged := new(logBuffer)
	hs := &http.Server{
		Handler:     frontconn.Handler(h),
		ConnContext: frontconn.ConnContext,
		ErrorLog:    log.New(logged, "", 0),
	}
	for _, m := range mod {
		m(hs)
	}
	if guard.ParkIdleAfter == 0 {
		guard.ParkIdleAfter = -1
	}
	s := New(hs)
	s.NetHTTPOnly = netHTTPOnly
	done := make(chan error, 1)
	go func() { done <- s.Serve(frontconn.NewListener(ln, guard)) }()
	t.Cleanup(func() {
		// Shutdown waits for connections that close gently (after a
		// request body too large to read), which Close would leave
		// sleeping.
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		if s.Shutdown(ctx) != nil {
			_ = s.Close()
		}
		if err := <-done; err != nil && !errors.Is(err, http.ErrServerClosed) && !errors.Is(err, net.ErrClosed) {
			t.Errorf("Serve: %v", err)
		}
	})
	return &testServer{Server: s, addr: ln.Addr().String(), log: logged}
}

// exchange sends stream on a new connection, closes the sending side and
// returns all the server wrote until it closed the connection.
func exchange(t testing.TB, addr, stream string) string {
	t.Helper()
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	_ = c.SetDeadline(time.Now().Add(10 * time.Second))
	if _, err := io.WriteString(c, stream); err != nil {
		t.Fatal(err)
	}
	_ = c.(*net.TCPConn).CloseWrite()
	b, err := io.ReadAll(c)
	if err != nil && !isReset(err) {
		t.Fatalf("reading the responses to %q: %v (after %q)", stream, err, b)
	}
	return string(b)
}

func isReset(err error) bool {
	var oe *net.OpError
	return errors.As(err, &oe) && strings.Contains(oe.Err.Error(), "reset")
}

var dateField = regexp.MustCompile(`(?m)^Date: [^\r]*\r$`)

// noDate replaces the values of Date fields, the one difference allowed.
func noDate(s string) string { return dateField.ReplaceAllString(s, "Date: -\r") }

// describe is what the echo handler answers: what a handler sees of the
// request, read in full.
func describe(r *http.Request) string {
	body, err := io.ReadAll(r.Body)
	keys := make([]string, 0, len(r.Header))
	for k := range r.Header {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	var b strings.Builder
	fmt.Fprintf(&b, "%s %s %s %d.%d host=%q url=%q close=%v cl=%d te=%q tls=%v\n", r.Method, r.RequestURI, r.Proto,
		r.ProtoMajor, r.ProtoMinor, r.Host, r.URL.String(), r.Close, r.ContentLength, r.TransferEncoding, r.TLS != nil)
	for _, k := range keys {
		fmt.Fprintf(&b, "%s=%q\n", k, r.Header[k])
	}
	fmt.Fprintf(&b, "body=%q err=%v trailer=%v\n", body, err != nil, r.Trailer)
	return b.String()
}

// echo answers every request with its description; some paths answer
// differently to vary the responses.
var echo = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
	if r.URL.Path == "/noread" {
		_, _ = io.WriteString(w, "body left unread\n")
		return
	}
	d := describe(r)
	switch r.URL.Path {
	case "/big":
		w.Header().Set("X-Big", "1")
		_, _ = io.WriteString(w, strings.Repeat(d, 100))
	case "/flush":
		_, _ = io.WriteString(w, d)
		w.(http.Flusher).Flush()
		_, _ = io.WriteString(w, "after flush\n")
	case "/nocontent":
		w.WriteHeader(http.StatusNoContent)
	case "/close":
		w.Header().Set("Connection", "close")
		_, _ = io.WriteString(w, d)
	default:
		_, _ = io.WriteString(w, d)
	}
})

// logBuffer is the server's error log, read by tests while it writes.
type logBuffer struct {
	mu sync.Mutex
	b  strings.Builder
}

func (l *logBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *logBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}
