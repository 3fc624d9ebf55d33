package status

import (
	"bufio"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"
)

// TestHealth pins §12.1 and case 49: the /health answer in both states,
// the liveness probe, and that unlisted paths are 404.
func TestHealth(t *testing.T) {
	for _, tc := range []struct {
		name    string
		omit    bool // Config.OmitRoutes
		varz    bool
		health  Health
		method  string
		path    string
		status  int
		body    string
		noCache bool // Cache-Control, Expires and Connection: close
	}{
		{name: "healthy", health: fakeHealth(true), path: "/health", status: 200, body: "ok\n", noCache: true},
		{name: "unhealthy", health: fakeHealth(false), path: "/health", status: 503, body: "", noCache: true},
		{name: "nil health is unhealthy", health: nil, path: "/health", status: 503, body: "", noCache: true},
		{name: "HEAD healthy", health: fakeHealth(true), method: "HEAD", path: "/health", status: 200, body: "", noCache: true},
		{name: "alive when unhealthy", health: fakeHealth(false), path: "/is-process-alive-do-not-use-for-loadbalancing", status: 200, body: "ok\n"},
		{name: "trailing slash", health: fakeHealth(true), path: "/health/", status: 404, body: "404 page not found\n"},
		{name: "root", health: fakeHealth(true), path: "/", status: 404, body: "404 page not found\n"},
		{name: "unclean path", health: fakeHealth(true), path: "//health", status: 404, body: "404 page not found\n"},
		{name: "healthz without varz", health: fakeHealth(true), path: "/healthz", status: 404, body: "404 page not found\n"},
		{name: "varz without varz", health: fakeHealth(true), path: "/varz", status: 404, body: "404 page not found\n"},
		{name: "routes omitted", omit: true, health: fakeHealth(true), path: "/routes", status: 404, body: "404 page not found\n"},
		{name: "routes omitted but varz", omit: true, varz: true, health: fakeHealth(true), path: "/routes", status: 401, body: "401 Unauthorized\n"},
		{name: "health with routes omitted", omit: true, health: fakeHealth(true), path: "/health", status: 200, body: "ok\n", noCache: true},
		{name: "healthz healthy", varz: true, health: fakeHealth(true), path: "/healthz", status: 200, body: "ok\n", noCache: true},
		{name: "healthz unhealthy", varz: true, health: fakeHealth(false), path: "/healthz", status: 503, body: "", noCache: true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := serve(t, NewHandler(Config{EnableVarz: tc.varz, OmitRoutes: tc.omit}, fakeRoutes{}, tc.health))
			method := tc.method
			if method == "" {
				method = "GET"
			}
			r := get(t, method, s.URL+tc.path, "")
			if r.status != tc.status || r.body != tc.body {
				t.Errorf("got %d %q, want %d %q", r.status, r.body, tc.status, tc.body)
			}
			if !tc.noCache {
				return
			}
			if got := r.header.Get("Cache-Control"); got != "private, max-age=0" {
				t.Errorf("Cache-Control = %q", got)
			}
			if got := r.header.Get("Expires"); got != "0" {
				t.Errorf("Expires = %q", got)
			}
			if !r.closed {
				t.Error("connection not closed after the health response")
			}
			if tc.status == 503 && r.header.Get("Content-Type") != "" {
				t.Errorf("503 has Content-Type %q, want none", r.header.Get("Content-Type"))
			}
		})
	}
}

// TestHealthClosesConnection pins "the connection is closed after the
// response" on the wire: of two pipelined requests only the first is
// answered, then the server closes.
func TestHealthClosesConnection(t *testing.T) {
	s := serve(t, NewHandler(Config{}, nil, fakeHealth(true)))
	c, err := net.Dial("tcp", s.Listener.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	_ = c.SetDeadline(time.Now().Add(5 * time.Second))
	req := "GET /health HTTP/1.1\r\nHost: x\r\n\r\n"
	if _, err := io.WriteString(c, req+req); err != nil {
		t.Fatal(err)
	}
	br := bufio.NewReader(c)
	resp, err := http.ReadResponse(br, nil)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || string(body) != "ok\n" {
		t.Fatalf("got %d %q", resp.StatusCode, body)
	}
	rest, err := io.ReadAll(br)
	if err != nil {
		t.Fatalf("reading after the response: %v (want EOF)", err)
	}
	if len(rest) != 0 {
		t.Fatalf("server answered the second request: %q", strings.SplitN(string(rest), "\r\n", 2)[0])
	}
}
