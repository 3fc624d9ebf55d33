package gorouter

import (
	"bufio"
	"bytes"
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/skiff-proxy/skiff/dataclients/nats"
	"github.com/skiff-proxy/skiff/filters/filtertest"
)

// The protocol check comes after the health check's User-Agent and before
// everything else (spec §10's order).
func TestResolveProtocol(t *testing.T) {
	c := newClient(t, nats.Options{})
	register(t, c, map[string]any{"host": "10.0.0.1", "port": 8080, "uris": []string{"a.test"}})
	spec := newPoolPredicateSpec(c)
	for _, tc := range []struct {
		name         string
		major, minor int
		host, ua     string
		appInstance  string
		want         string
	}{
		{name: "1.1", major: 1, minor: 1, host: "a.test", want: IndexKey("a.test")},
		{name: "1.0", major: 1, minor: 0, host: "a.test", want: IndexKey("a.test")},
		{name: "2", major: 2, minor: 0, host: "a.test", want: IndexKey("a.test")},
		{name: "1.5", major: 1, minor: 5, host: "a.test", want: IndexKey(nats.KeyBadProtocol)},
		{name: "1.2", major: 1, minor: 2, host: "a.test", want: IndexKey(nats.KeyBadProtocol)},
		{name: "3", major: 3, minor: 0, host: "a.test", want: IndexKey(nats.KeyBadProtocol)},
		{name: "2.1", major: 2, minor: 1, host: "a.test", want: IndexKey("a.test")}, // gorouter looks at the major version only
		{name: "health check first", major: 1, minor: 5, host: "a.test", ua: nats.DefaultHealthCheckUserAgent, want: IndexKey(nats.KeyHealth)},
		{name: "before empty host", major: 1, minor: 5, host: "", want: IndexKey(nats.KeyBadProtocol)},
		{name: "before instance header", major: 1, minor: 5, host: "a.test", appInstance: "bad", want: IndexKey(nats.KeyBadProtocol)},
		{name: "before lookup", major: 1, minor: 5, host: "nope.test", want: IndexKey(nats.KeyBadProtocol)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := hdRequest("http://x/", "User-Agent", tc.ua, "X-Cf-App-Instance", tc.appInstance)
			r.Host, r.ProtoMajor, r.ProtoMinor = tc.host, tc.major, tc.minor
			if key, ok := spec.Resolve(r); key != tc.want || !ok {
				t.Errorf("Resolve = %q, %v; want %q", key, ok, tc.want)
			}
			if raceEnabled {
				return
			}
			if n := testing.AllocsPerRun(100, func() { spec.Resolve(r) }); n != 0 {
				t.Errorf("%v allocations", n)
			}
		})
	}
}

// hdConn is a client connection that records what is written to it.
type hdConn struct {
	net.Conn
	out    bytes.Buffer
	closed bool
}

func (c *hdConn) Write(p []byte) (int, error) { return c.out.Write(p) }
func (c *hdConn) Read([]byte) (int, error)    { return 0, io.EOF }
func (c *hdConn) Close() error                { c.closed = true; return nil }

// hdHijacker is a ResponseWriter whose connection can be taken over.
type hdHijacker struct {
	*httptest.ResponseRecorder
	conn *hdConn
}

func (h *hdHijacker) Hijack() (net.Conn, *bufio.ReadWriter, error) {
	if h.conn == nil {
		return nil, nil, errors.New("hijacked twice")
	}
	c := h.conn
	return c, bufio.NewReadWriter(bufio.NewReader(c), bufio.NewWriter(c)), nil
}

// natsRouter("unsupported_protocol") writes gorouter's bare status line on
// the connection it takes over and closes it; the proxy writes nothing
// more. When the connection cannot be taken over, it answers an ordinary
// 400.
func TestRefuseProtocol(t *testing.T) {
	c := newClient(t, nats.Options{})
	f, err := (&routerFilterSpec{c: c}).CreateFilter([]any{"unsupported_protocol"})
	if err != nil {
		t.Fatal(err)
	}

	conn := &hdConn{}
	w := &hdHijacker{ResponseRecorder: httptest.NewRecorder(), conn: conn}
	ctx := filtertest.NewContext(hdRequest("http://a.test/"))
	ctx.FResponseWriter = w
	f.Request(ctx)
	if got := conn.out.String(); got != "HTTP/1.0 400 Bad Request\r\n\r\n" || !conn.closed {
		t.Errorf("wrote %q, closed %v", got, conn.closed)
	}
	if !ctx.FMarkedServed || ctx.FResponse != nil || w.Code != 200 || w.Body.Len() != 0 || len(w.Header()) != 0 {
		t.Errorf("marked served %v, response %v, writer %d %q %v", ctx.FMarkedServed, ctx.FResponse, w.Code, w.Body, w.Header())
	}

	ctx = filtertest.NewContext(hdRequest("http://a.test/"))
	f.Request(ctx) // the test context's default writer is a recorder, which cannot be taken over
	rsp := ctx.FResponse
	if rsp == nil || ctx.FMarkedServed {
		t.Fatalf("response %v, marked served %v", rsp, ctx.FMarkedServed)
	}
	body, _ := io.ReadAll(rsp.Body)
	if rsp.StatusCode != http.StatusBadRequest || string(body) != "400 Bad Request: Unsupported protocol\n" ||
		rsp.Header.Get("X-Cf-Routererror") != "" {
		t.Errorf("fallback %d %q %v", rsp.StatusCode, body, rsp.Header)
	}
}
