package e2e

import (
	"fmt"
	"io"
	"net"
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/skiff-proxy/skiff"
)

// skiff's own HTTP/1.1 server and net/http's (-nethttp-server) give a
// client the same bytes through the whole proxy: routes, filters, a
// backend, and requests that the own server hands over to net/http.
func TestOwnServerAnswersLikeNetHTTP(t *testing.T) {
	backend := newBackend(t, "b", func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		w.Header().Set("X-Seen", fmt.Sprintf("%s %s cl=%d body=%q te=%v", r.Method, r.URL.RequestURI(), r.ContentLength, body, r.TransferEncoding))
		w.Header().Set("Content-Type", "text/plain")
		if r.URL.Path == "/big" {
			_, _ = io.WriteString(w, strings.Repeat("x", 100_000))
			return
		}
		_, _ = io.WriteString(w, "from the backend\n")
	})
	rs := routes(fmt.Sprintf(`
		api: Path("/api/*rest") -> setRequestHeader("X-Route", "api") -> setResponseHeader("X-Filter", "1") -> %q;
		big: Path("/big") -> %q;
		inline: Path("/inline") -> status(418) -> inlineContent("inline body") -> <shunt>;
		nope: Path("/gone") -> status(410) -> <shunt>;
	`, backend.URL, backend.URL))
	// The request id and the backend's address differ between instances.
	own := start(t, rs, skiff.Options{})
	ref := start(t, rs, skiff.Options{NetHTTPServer: true})

	// Each stream ends with a request after which the proxy closes the
	// connection: a client that closes its sending side is a client gone
	// to net/http, which cancels the request at once.
	const host, last = "Host: example.org\r\n", "Connection: close\r\n\r\n"
	for _, stream := range []string{
		"GET /api/x?q=1 HTTP/1.1\r\n" + host + "\r\nGET /inline HTTP/1.1\r\n" + host + "\r\nGET /gone HTTP/1.1\r\n" + host + last,
		"POST /api/up HTTP/1.1\r\n" + host + "Content-Length: 5\r\n\r\nhelloGET /nowhere HTTP/1.1\r\n" + host + last,
		"GET /big HTTP/1.1\r\n" + host + "\r\nHEAD /api/h HTTP/1.1\r\n" + host + last,
		// Handed over: chunked body, HTTP/1.0, Expect; then malformed.
		"GET /api/1 HTTP/1.1\r\n" + host + "\r\nPOST /api/2 HTTP/1.1\r\n" + host + "Transfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\nGET /api/3 HTTP/1.0\r\n\r\n",
		"POST /api/e HTTP/1.1\r\n" + host + "Expect: 100-continue\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok",
		"GET /api/1 HTTP/1.1\r\n" + host + "\r\nGET /api/ bad HTTP/1.1\r\n" + host + "\r\n",
		"GET /api/1 HTTP/1.1\r\n" + host + "Connection: close\r\n\r\nGET /api/never HTTP/1.1\r\n" + host + "\r\n",
	} {
		got := normalizeExchange(exchangeRaw(t, own.url, stream))
		want := normalizeExchange(exchangeRaw(t, ref.url, stream))
		if got != want {
			t.Errorf("stream %q:\nown server:\n%s\nnet/http:\n%s", stream, got, want)
		}
		if !strings.HasPrefix(got, "HTTP/1.") {
			t.Errorf("stream %q: no response: %q", stream, got)
		}
	}
}

// exchangeRaw sends stream on one connection to the proxy at url and
// returns everything until the proxy closes the connection.
func exchangeRaw(t *testing.T, url, stream string) string {
	t.Helper()
	c, err := net.Dial("tcp", strings.TrimPrefix(url, "http://"))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	_ = c.SetDeadline(time.Now().Add(10 * time.Second))
	if _, err := io.WriteString(c, stream); err != nil {
		t.Fatal(err)
	}
	b, err := io.ReadAll(c)
	if err != nil {
		t.Fatalf("stream %q: %v after %q", stream, err, b)
	}
	return string(b)
}

var varying = regexp.MustCompile(`(?m)^(Date|X-Request-Id|X-Flow-Id): [^\r]*\r$`)

func normalizeExchange(s string) string { return varying.ReplaceAllString(s, "$1: -\r") }
