package e2e

import (
	"fmt"
	"net"
	"net/http"
	"strings"
	"sync"
	"testing"

	"github.com/skiff-proxy/skiff/dataclients/nats"
)

// Spec §18 cases 33, 34 and 36: a refused endpoint is retried on another;
// all endpoints refused gives gorouter's 502 after one try of each; a
// backend's own 5xx passes through untouched.
func TestNATSEndpointFailures(t *testing.T) {
	r := startNATSRouter(t, func(o *nats.Options) { o.StartDelay = -1 })
	two := deadAddresses(t, 2)
	dead1, dead2 := two[0], two[1]
	be := newBackend(t, "b1", nil)
	be.Config.Handler = http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		if req.URL.Path == "/503" {
			w.WriteHeader(503)
			fmt.Fprint(w, "x")
		}
	})
	reg := func(uri, addr string) {
		host, port, _ := net.SplitHostPort(addr)
		var p int
		fmt.Sscan(port, &p)
		r.register(t, map[string]any{"host": host, "port": p, "uris": []string{uri}})
	}
	reg("retry.test", dead1)
	reg("retry.test", strings.TrimPrefix(be.URL, "http://"))
	reg("down.test", dead1)
	reg("down.test", dead2)
	r.waitStatus(t, "retry.test", "/", 200)
	for range 10 {
		if got := r.get(t, "/", "Host", "retry.test"); got.status != 200 || got.header.Get("X-Cf-Routererror") != "" {
			t.Fatalf("with one refused endpoint: %d %v", got.status, got.header)
		}
	}
	got := r.waitStatus(t, "down.test", "/", 502)
	if got.body != "502 Bad Gateway: Registered endpoint failed to handle the request.\n" ||
		!strings.HasPrefix(got.header.Get("X-Cf-Routererror"), "endpoint_failure (") ||
		!strings.Contains(got.header.Get("X-Cf-Routererror"), "connection refused") {
		t.Errorf("all endpoints refused: %d %q %v", got.status, got.body, got.header)
	}
	got = r.get(t, "/503", "Host", "retry.test")
	if got.status != 503 || got.body != "x" || got.header.Get("X-Cf-Routererror") != "" {
		t.Errorf("backend 503: %d %q %v", got.status, got.body, got.header)
	}
}

// Spec §18 cases 41 and 42: an empty Host, or one equal to the client's
// address, and app-instance targeting.
func TestNATSHostChecksAndTargeting(t *testing.T) {
	r := startNATSRouter(t, func(o *nats.Options) { o.StartDelay = -1 })
	const guid = "aaaaaaaa-aaaa-aaaa-aaaa-aaaaaaaaaaaa"
	var mu sync.Mutex
	var seenHeader []string
	bes := make([]*backend, 2)
	for i := range bes {
		bes[i] = newBackend(t, fmt.Sprint("i", i), nil)
		name := fmt.Sprint("i", i)
		bes[i].Config.Handler = http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
			mu.Lock()
			seenHeader = append(seenHeader, req.Header.Get("X-Cf-App-Instance"))
			mu.Unlock()
			fmt.Fprint(w, name)
		})
		host, port := hostPort(bes[i].URL)
		r.register(t, map[string]any{"host": host, "port": port, "uris": []string{"app.test"}, "app": guid,
			"private_instance_index": fmt.Sprint(i)})
	}
	r.waitStatus(t, "app.test", "/", 200)
	waitFor(t, func() bool {
		a, b := r.get(t, "/", "Host", "app.test").body, r.get(t, "/", "Host", "app.test").body
		return a != b // both endpoints in the pool
	})

	got := r.get(t, "/", "Host", "127.0.0.1")
	if got.status != 400 || got.body != "400 Bad Request: Request had empty Host header\n" ||
		got.header.Get("X-Cf-Routererror") != "empty_host" || got.header.Get("Cache-Control") != "public,max-age=2" {
		t.Errorf("Host equal to the client address: %d %q %v", got.status, got.body, got.header)
	}

	mu.Lock()
	seenHeader = nil
	mu.Unlock()
	for range 20 {
		if got := r.get(t, "/", "Host", "app.test", "X-Cf-App-Instance", guid+":1"); got.body != "i1" {
			t.Fatalf("targeted instance 1, got %d %q", got.status, got.body)
		}
	}
	mu.Lock()
	for _, h := range seenHeader {
		if h != "" {
			t.Errorf("the backend saw X-CF-App-Instance %q", h)
		}
	}
	if len(seenHeader) != 20 {
		t.Errorf("the backends saw %d requests, want 20", len(seenHeader))
	}
	mu.Unlock()
	got = r.get(t, "/", "Host", "app.test", "X-Cf-App-Instance", guid+":7")
	if got.status != 400 || got.body != fmt.Sprintf("400 Bad Request: Requested instance ('7') with guid ('%s') does not exist for route ('app.test')\n", guid) ||
		got.header.Get("X-Cf-Routererror") != "unknown_route" || got.header.Get("Cache-Control") != "no-cache, no-store" {
		t.Errorf("unknown instance: %d %q %v", got.status, got.body, got.header)
	}
	for _, bad := range []string{"AAAAAAAA-AAAA-AAAA-AAAA-AAAAAAAAAAAA:1", "abc:1", guid + ":x"} {
		got = r.get(t, "/", "Host", "app.test", "X-Cf-App-Instance", bad)
		if got.status != 400 || got.body != "400 Bad Request: Invalid X-CF-App-Instance Header\n" ||
			got.header.Get("X-Cf-Routererror") != "invalid_cf_app_instance_header" {
			t.Errorf("%q: %d %q %v", bad, got.status, got.body, got.header)
		}
	}
	got = r.get(t, "/", "Host", "nope.test", "X-Cf-App-Instance", guid+":1")
	if got.status != 400 || got.header.Get("X-Cf-Routererror") != "unknown_route" {
		t.Errorf("targeting an unknown host: %d %q, want 400", got.status, got.body)
	}
}

// Spec §18 case 48: a response starting a session gets __VCAP_ID__, and
// requests with both cookies stay on that instance while plain requests
// are balanced.
func TestNATSStickySession(t *testing.T) {
	r := startNATSRouter(t, func(o *nats.Options) { o.StartDelay = -1 })
	for i := range 2 {
		name := fmt.Sprint("inst-", i+1)
		be := newBackend(t, name, nil)
		be.Config.Handler = http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
			if req.URL.Path == "/login" {
				http.SetCookie(w, &http.Cookie{Name: "JSESSIONID", Value: "s1"})
			}
			fmt.Fprint(w, name)
		})
		host, port := hostPort(be.URL)
		r.register(t, map[string]any{"host": host, "port": port, "uris": []string{"sticky.test"}, "private_instance_id": name})
	}
	waitFor(t, func() bool {
		a, b := r.get(t, "/", "Host", "sticky.test").body, r.get(t, "/", "Host", "sticky.test").body
		return a != b
	})
	login := r.get(t, "/login", "Host", "sticky.test")
	want := "__VCAP_ID__=" + login.body + "; Path=/; HttpOnly"
	var vcap string
	for _, c := range login.header.Values("Set-Cookie") {
		if strings.HasPrefix(c, "__VCAP_ID__=") {
			vcap = c
		}
	}
	if vcap != want {
		t.Fatalf("Set-Cookie %q, want %q", login.header.Values("Set-Cookie"), want)
	}
	cookie := "JSESSIONID=s1; __VCAP_ID__=" + login.body
	for range 20 {
		if got := r.get(t, "/", "Host", "sticky.test", "Cookie", cookie); got.body != login.body {
			t.Fatalf("sticky request went to %q, want %q", got.body, login.body)
		}
	}
	seen := map[string]bool{}
	for range 10 {
		seen[r.get(t, "/", "Host", "sticky.test").body] = true
	}
	if len(seen) != 2 {
		t.Errorf("plain requests reached %v, want both instances", seen)
	}
}
