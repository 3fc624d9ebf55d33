package frontconn

import (
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"slices"
	"strings"
	"sync"
	"testing"
)

// seen is one request as a handler saw it.
type seen struct {
	id      string // method, target, version, host, headers, length
	body    string
	err     bool // reading the body failed
	trailer string
	errText string // not compared: the guard's errors read differently
}

// same compares two requests but for the text of a body error.
func same(a, b seen) bool {
	a.errText, b.errText = "", ""
	return a == b
}

func (s seen) String() string {
	t := s.id + " body=" + fmt.Sprintf("%q", s.body)
	if s.trailer != "" {
		t += " trailer=" + s.trailer
	}
	if s.err {
		t += " !"
	}
	return t
}

// recorder is a handler that notes every request with its whole body.
type recorder struct {
	mu   sync.Mutex
	reqs []seen
}

func (rc *recorder) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, err := io.ReadAll(r.Body)
	s := seen{id: describe(r), body: string(body), err: err != nil, trailer: headerString(r.Trailer)}
	if err != nil {
		s.errText = err.Error()
	}
	rc.mu.Lock()
	rc.reqs = append(rc.reqs, s)
	rc.mu.Unlock()
	_, _ = io.WriteString(w, "ok")
}

func (rc *recorder) list() []seen {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	return slices.Clone(rc.reqs)
}

// short lists method, target and body of each request.
func (rc *recorder) short() []string {
	var out []string
	for _, s := range rc.list() {
		t := s.id[:strings.IndexByte(s.id, '|')]
		if s.body != "" {
			t += " " + s.body
		}
		if s.err {
			t += " !"
		}
		out = append(out, t)
	}
	return out
}

func describe(r *http.Request) string {
	return fmt.Sprintf("%s %s|%s|host=%q|cl=%d|te=%q|close=%v|%s",
		r.Method, r.RequestURI, r.Proto, r.Host, r.ContentLength, r.TransferEncoding, r.Close, headerString(r.Header))
}

func headerString(h http.Header) string {
	keys := make([]string, 0, len(h))
	for k := range h {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	var b strings.Builder
	for _, k := range keys {
		fmt.Fprintf(&b, "%s=%q;", k, h[k])
	}
	return b.String()
}

var quietLog = log.New(io.Discard, "", 0)

// serveGuarded serves rec through the guard on a TCP listener.
func serveGuarded(t testing.TB, cfg Config, h2c bool) (string, *recorder, net.Listener) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	rec := &recorder{}
	srv := &http.Server{
		Handler:     Handler(rec),
		ConnContext: ConnContext,
		ErrorLog:    quietLog,
	}
	if h2c {
		srv.Protocols = new(http.Protocols)
		srv.Protocols.SetHTTP1(true)
		srv.Protocols.SetUnencryptedHTTP2(true)
		cfg.H2C = true
	}
	gl := NewListener(ln, cfg)
	done := make(chan struct{})
	go func() {
		defer close(done)
		_ = srv.Serve(gl)
	}()
	t.Cleanup(func() {
		_ = srv.Close()
		<-done
	})
	return ln.Addr().String(), rec, gl
}
