package gorouter

import (
	"io"
	"net/http"
	"testing"

	"github.com/skiff-proxy/skiff/dataclients/nats"
)

// headSize counts the head as it was on the wire: request line, Host line
// and one line per header value.
func TestHeadSize(t *testing.T) {
	r := hdRequest("http://h.test/a?b=c", "A", "1", "Bb", "22")
	r.Header.Add("A", "333")
	r.RequestURI = "/a?b=c"
	// "GET /a?b=c HTTP/1.1\r\n" 21, "Host: h.test\r\n" 14,
	// "A: 1\r\n" 6, "A: 333\r\n" 8, "Bb: 22\r\n" 8.
	if size, lines := headSize(r); size != 21+14+6+8+8 || lines != 3 {
		t.Errorf("headSize = %d, %d; want %d, 3", size, lines, 21+14+6+8+8)
	}
}

// A request at or over max_request_header_bytes, or with more than
// max_request_headers lines, gets gorouter's 431: its router error, no
// body, the connection closed. It comes after the lookup's, the empty
// pool's and the connection limit's answers and before the route
// service's (spec §10's order).
func TestRequestHeaderLimits(t *testing.T) {
	const size = 21 + 14 + 6 + 8 // GET /a?b=c, Host h.test, A: 1, Bb: 22
	for _, tc := range []struct {
		name     string
		o        nats.Options
		reg      map[string]any // a second registration for the pool
		hdr      []string
		inFlight int64 // on the endpoint
		want     int   // status; 0: proxied
		err      string
	}{
		{name: "no limits", want: 0},
		{name: "one byte below", o: nats.Options{MaxRequestHeaderBytes: size + 1}, want: 0},
		{name: "at the byte limit", o: nats.Options{MaxRequestHeaderBytes: size}, want: 431},
		{name: "lines at the limit", o: nats.Options{MaxRequestHeaders: 2}, want: 0},
		{name: "one line over", o: nats.Options{MaxRequestHeaders: 1}, want: 431},
		{name: "instance targeting first", o: nats.Options{MaxRequestHeaders: 1},
			hdr: []string{"X-Cf-App-Instance", "aaaaaaaa-0123-4567-89ab-cdef01234567:9"}, want: 400, err: "unknown_route"},
		{name: "connection limit first", o: nats.Options{MaxRequestHeaders: 1, MaxConns: 1}, inFlight: 1,
			want: 503, err: "Connection Limit Reached"},
		{name: "route service after", o: nats.Options{MaxRequestHeaders: 1},
			reg:  map[string]any{"host": "10.0.0.1", "port": 8080, "uris": []string{"h.test"}, "route_service_url": "https://rs.test"},
			want: 431},
		{name: "route service when small enough", o: nats.Options{MaxRequestHeaders: 2},
			reg:  map[string]any{"host": "10.0.0.1", "port": 8080, "uris": []string{"h.test"}, "route_service_url": "https://rs.test"},
			want: 502, err: "route_service_unsupported"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := newClient(t, tc.o)
			register(t, c, map[string]any{"host": "10.0.0.1", "port": 8080, "uris": []string{"h.test"}})
			if tc.reg != nil {
				register(t, c, tc.reg)
			}
			c.Endpoint("h.test", "10.0.0.1:8080").InFlight().Store(tc.inFlight)
			r := hdRequest("http://h.test/a?b=c", append([]string{"A", "1", "Bb", "22"}, tc.hdr...)...)
			r.RequestURI = "/a?b=c"
			if len(tc.hdr) > 0 {
				// The instance header counts too: with it the request
				// is over the limit.
				if !hdPoolFilter(t, c, "h.test").headersTooLarge(r) {
					t.Fatal("not too large with the instance header")
				}
			}
			ctx := hdProxy(hdPoolFilter(t, c, "h.test"), r, "10.0.0.1:8080", nil, nil)
			rsp := ctx.FResponse
			if tc.want == 0 {
				if ctx.FServed || rsp.StatusCode != 200 {
					t.Fatalf("served %v, status %d; want proxied", ctx.FServed, rsp.StatusCode)
				}
				return
			}
			if !ctx.FServed || rsp.StatusCode != tc.want {
				t.Fatalf("served %v, status %d; want %d", ctx.FServed, rsp.StatusCode, tc.want)
			}
			if tc.want != 431 {
				if got := rsp.Header.Get("X-Cf-Routererror"); got != tc.err {
					t.Errorf("X-Cf-Routererror %q, want %q", got, tc.err)
				}
				return
			}
			body, _ := io.ReadAll(rsp.Body)
			want := http.Header{"X-Cf-Routererror": {"max-request-size-exceeded"}, "Connection": {"close"}}
			if len(body) != 0 || len(rsp.Header) != len(want) || rsp.Header.Get("X-Cf-Routererror") != want.Get("X-Cf-Routererror") ||
				rsp.Header.Get("Connection") != "close" || rsp.Status != "431 Request Header Fields Too Large" {
				t.Errorf("431: %q %v %q, want %v and no body", rsp.Status, rsp.Header, body, want)
			}
			if _, ok := ctx.FStateBag[bagRequestID]; ok {
				t.Error("a request id was made for a refused request")
			}
		})
	}
}
