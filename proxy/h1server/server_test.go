package h1server

import (
	"net/http"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/skiff-proxy/skiff/proxy/frontconn"
	"github.com/skiff-proxy/skiff/proxy/h1server/internal/respwriter"
)

// servedBy notes, per request target, whether this server (true) or
// net/http (false) served it.
type servedBy struct {
	mu   sync.Mutex
	fast []bool
	next http.Handler
}

func (s *servedBy) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	_, fast := w.(*respwriter.Writer)
	s.mu.Lock()
	s.fast = append(s.fast, fast)
	s.mu.Unlock()
	s.next.ServeHTTP(w, r)
}

func (s *servedBy) take() []bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	f := s.fast
	s.fast = nil
	return f
}

const host = "Host: a.example\r\n"

// streams are what clients send on one connection: requests this server
// serves, requests it hands over, and both in one stream, where the
// hand-over must carry the bytes read ahead to net/http intact.
var streams = []struct {
	name   string
	stream string
	fast   []bool // per request served, whether by this server
}{
	{"one GET", "GET / HTTP/1.1\r\n" + host + "\r\n", []bool{true}},
	{"pipelined", "GET /1 HTTP/1.1\r\n" + host + "\r\nGET /2?x=1 HTTP/1.1\r\n" + host + "User-Agent: t\r\n\r\nHEAD /3 HTTP/1.1\r\n" + host + "\r\n", []bool{true, true, true}},
	{"bare LF", "GET / HTTP/1.1\n" + host[:len(host)-2] + "\n\n", []bool{true}},
	{"POST with body", "POST /p HTTP/1.1\r\n" + host + "Content-Length: 5\r\n\r\nhelloGET /n HTTP/1.1\r\n" + host + "\r\n", []bool{true, true}},
	{"POST then CRLF", "POST /p HTTP/1.1\r\n" + host + "Content-Length: 2\r\n\r\nhi\r\nGET /n HTTP/1.1\r\n" + host + "\r\n", []bool{true, true}},
	{"POST then CRLF then hand-over", "POST /p HTTP/1.1\r\n" + host + "Content-Length: 2\r\n\r\nhi\r\n\r\nGET /n HTTP/1.0\r\n" + host + "\r\n", []bool{true, false}},
	{"big and flushed responses", "GET /big HTTP/1.1\r\n" + host + "\r\nGET /flush HTTP/1.1\r\n" + host + "\r\nGET /nocontent HTTP/1.1\r\n" + host + "\r\n", []bool{true, true, true}},
	{"Connection: close", "GET / HTTP/1.1\r\n" + host + "Connection: close\r\n\r\nGET /never HTTP/1.1\r\n" + host + "\r\n", []bool{true}},
	{"handler closes", "GET /close HTTP/1.1\r\n" + host + "\r\nGET /never HTTP/1.1\r\n" + host + "\r\n", []bool{true}},
	{"small body left unread", "POST /noread HTTP/1.1\r\n" + host + "Content-Length: 10\r\n\r\n0123456789GET /n HTTP/1.1\r\n" + host + "\r\n", []bool{true, true}},
	{"large body left unread", "POST /noread HTTP/1.1\r\n" + host + "Content-Length: 300000\r\n\r\n" + strings.Repeat("b", 300000) + "GET /n HTTP/1.1\r\n" + host + "\r\n", []bool{true}},
	{"HTTP/1.0", "GET / HTTP/1.0\r\n" + host + "\r\n", []bool{false}},
	{"GET then HTTP/1.0", "GET /1 HTTP/1.1\r\n" + host + "\r\nGET /2 HTTP/1.0\r\nConnection: keep-alive\r\n" + host + "\r\nGET /3 HTTP/1.1\r\n" + host + "\r\n", []bool{true, false, false}},
	{"chunked after GET", "GET /1 HTTP/1.1\r\n" + host + "\r\nPOST /2 HTTP/1.1\r\n" + host + "Transfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\nX-T: 1\r\n\r\nGET /3 HTTP/1.1\r\n" + host + "\r\n", []bool{true, false, false}},
	{"Expect", "POST /e HTTP/1.1\r\n" + host + "Expect: 100-continue\r\nContent-Length: 3\r\n\r\nabc", []bool{false}},
	{"absolute form", "GET http://b.example/x HTTP/1.1\r\n" + host + "\r\n", []bool{false}},
	{"no Host", "GET / HTTP/1.1\r\n\r\n", nil},
	{"two Hosts", "GET / HTTP/1.1\r\n" + host + host + "\r\n", nil},
	{"bad target after GET", "GET / HTTP/1.1\r\n" + host + "\r\nGET /\x7f HTTP/1.1\r\n" + host + "\r\n", []bool{true}},
	{"smuggling refused by the guard", "GET / HTTP/1.1\r\n" + host + "\r\nPOST / HTTP/1.1\r\n" + host + "Content-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n", []bool{true}},
	{"head cut short", "GET / HTTP/1.1\r\n" + host + "\r\nGET /2 HTTP/1.1\r\nHo", []bool{true}},
	{"body cut short", "POST / HTTP/1.1\r\n" + host + "Content-Length: 10\r\n\r\nabc", []bool{true}},
	{"large head", "GET / HTTP/1.1\r\n" + host + "X-Long: " + strings.Repeat("v", 5000) + "\r\n\r\nGET /after HTTP/1.1\r\n" + host + "\r\n", []bool{false, false}},
	{"many fields", "GET / HTTP/1.1\r\n" + host + strings.Repeat("X-F: 1\r\n", 101) + "\r\n", []bool{false}},
	{"upgrade", "GET /ws HTTP/1.1\r\n" + host + "Connection: Upgrade\r\nUpgrade: websocket\r\n\r\n", []bool{false}},
	{"h2 preface", "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n", nil},
	{"OPTIONS *", "OPTIONS * HTTP/1.1\r\n" + host + "\r\n", nil}, // net/http answers it itself
}

// TestStreamsLikeNetHTTP sends every stream to this server and to
// net/http's alone, both behind the guard, and requires the same bytes
// back (but for Date values), and that this server served what it
// should.
func TestStreamsLikeNetHTTP(t *testing.T) {
	rec := &servedBy{next: echo}
	fast := startServer(t, rec, false, frontconn.Config{})
	ref := startServer(t, echo, true, frontconn.Config{})
	for _, tc := range streams {
		t.Run(tc.name, func(t *testing.T) {
			want := noDate(exchange(t, ref.addr, tc.stream))
			got := noDate(exchange(t, fast.addr, tc.stream))
			if got != want {
				t.Fatalf("responses differ\nskiff:\n%s\nnet/http:\n%s", got, want)
			}
			if f := rec.take(); !slices.Equal(f, tc.fast) {
				t.Errorf("served by this server: %v, want %v", f, tc.fast)
			}
		})
	}
}

// FuzzStreams: any stream gets the same bytes back from both servers.
func FuzzStreams(f *testing.F) {
	for _, tc := range streams {
		f.Add(tc.stream)
	}
	fast := startServer(f, echo, false, frontconn.Config{})
	ref := startServer(f, echo, true, frontconn.Config{})
	f.Fuzz(func(t *testing.T, stream string) {
		want := noDate(exchange(t, ref.addr, stream))
		got := noDate(exchange(t, fast.addr, stream))
		if got != want {
			t.Fatalf("stream %q: responses differ\nskiff:\n%s\nnet/http:\n%s", stream, got, want)
		}
	})
}
