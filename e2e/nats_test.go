package e2e

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"

	natsgo "github.com/nats-io/nats.go"

	skiff "github.com/skiff-proxy/skiff"
	"github.com/skiff-proxy/skiff/dataclients/nats"
	"github.com/skiff-proxy/skiff/dataclients/nats/natstest"
)

// natsRouter is a skiff following a test NATS server with the timers of
// the spec's test conventions: a 4 s stale threshold, pruned every
// second, a 1 s register interval.
type natsRouter struct {
	*instance
	srv *natstest.Server
	pub *natsgo.Conn
	// status is the base URL of gorouter's status listener (/health,
	// /routes, /varz), with the user "router-status", password "pw".
	status string
}

func startNATSRouter(t *testing.T, configure func(*nats.Options)) *natsRouter {
	t.Helper()
	return startNATSRouterOn(t, natstest.Start(t), configure)
}

// startNATSRouterOn starts the router on a NATS server the test started,
// so that it can subscribe before the router connects.
func startNATSRouterOn(t *testing.T, srv *natstest.Server, configure func(*nats.Options)) *natsRouter {
	t.Helper()
	return startNATSRouterWith(t, srv, func(o *skiff.Options) {
		if configure != nil {
			configure(&o.NATS)
		}
	})
}

// startNATSRouterWith is startNATSRouterOn for tests that configure more
// than the NATS options: the access log, backend TLS.
func startNATSRouterWith(t *testing.T, srv *natstest.Server, configure func(*skiff.Options)) *natsRouter {
	t.Helper()
	o := skiff.Options{}
	n := &o.NATS
	n.Transport.Servers = []string{srv.URL()}
	n.Transport.Index = 3
	n.Transport.RegisterInterval = time.Second
	n.Transport.PruneThreshold = 4 * time.Second
	n.PruneInterval = time.Second
	// The status listener is the test's, opened here: a free port picked
	// and closed could be taken by a parallel test before skiff binds it.
	sln := listen(t)
	t.Cleanup(func() { sln.Close() })
	n.Status.Listener = sln
	n.Status.User, n.Status.Password = "router-status", "pw"
	if configure != nil {
		configure(&o)
	}
	in := start(t, "", o)
	return &natsRouter{instance: in, srv: srv, pub: srv.Connect(t), status: "http://" + sln.Addr().String()}
}

func (r *natsRouter) publish(t *testing.T, subject string, msg any) {
	t.Helper()
	var b []byte
	switch m := msg.(type) {
	case string:
		b = []byte(m)
	default:
		var err error
		if b, err = json.Marshal(m); err != nil {
			t.Fatal(err)
		}
	}
	if err := r.pub.Publish(subject, b); err != nil {
		t.Fatal(err)
	}
	if err := r.pub.Flush(); err != nil {
		t.Fatal(err)
	}
}

func (r *natsRouter) register(t *testing.T, msg any)   { r.publish(t, "router.register", msg) }
func (r *natsRouter) unregister(t *testing.T, msg any) { r.publish(t, "router.unregister", msg) }

// waitStatus polls host+path until it answers want.
func (r *natsRouter) waitStatus(t *testing.T, host, path string, want int) response {
	t.Helper()
	var last response
	deadline := time.Now().Add(5 * time.Second)
	for time.Now().Before(deadline) {
		last = r.get(t, path, "Host", host)
		if last.status == want {
			return last
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Fatalf("%s%s: status %d (body %q), want %d", host, path, last.status, last.body, want)
	return last
}

func hostPort(url string) (string, int) {
	a := strings.TrimPrefix(url, "http://")
	i := strings.LastIndexByte(a, ':')
	var p int
	fmt.Sscan(a[i+1:], &p)
	return a[:i], p
}

// Spec §18 case 5: a registration serves the route, with gorouter's
// request and response headers.
func TestNATSBasicRegister(t *testing.T) {
	r := startNATSRouter(t, nil)
	be := newBackend(t, "b1", nil)
	var seen http.Header
	be.Config.Handler = http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) { seen = req.Header.Clone() })
	host, port := hostPort(be.URL)
	r.register(t, map[string]any{"host": host, "port": port, "uris": []string{"app.test"},
		"app": "aaaaaaaa-aaaa-aaaa-aaaa-aaaaaaaaaaaa", "private_instance_id": "inst-1",
		"private_instance_index": "2", "tags": map[string]string{"component": "route-emitter"}})
	rsp := r.waitStatus(t, "app.test", "/", 200)
	checks := map[string]string{
		"X-Cf-Applicationid": "^aaaaaaaa-aaaa-aaaa-aaaa-aaaaaaaaaaaa$",
		"X-Cf-Instanceid":    "^inst-1$",
		"X-Cf-Instanceindex": "^2$",
		"X-Vcap-Request-Id":  "^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$",
		"X-Request-Start":    `^\d{13}$`,
		"X-Forwarded-For":    `^127\.0\.0\.1$`,
		"X-Forwarded-Proto":  "^http$",
	}
	for h, rx := range checks {
		if v := seen.Get(h); !regexp.MustCompile(rx).MatchString(v) {
			t.Errorf("backend saw %s %q, want %s", h, v, rx)
		}
	}
	if got := rsp.header.Get("X-Vcap-Request-Id"); got != seen.Get("X-Vcap-Request-Id") {
		t.Errorf("response X-Vcap-Request-Id %q, backend saw %q", got, seen.Get("X-Vcap-Request-Id"))
	}
}

// Spec §18 case 40: no pool for the host.
func TestNATSUnknownRoute(t *testing.T) {
	r := startNATSRouter(t, nil)
	rsp := r.get(t, "/", "Host", "nope.test:8081")
	if rsp.status != 404 || rsp.body != "404 Not Found: Requested route ('nope.test:8081') does not exist.\n" ||
		rsp.header.Get("X-Cf-Routererror") != "unknown_route" || rsp.header.Get("Cache-Control") != "no-cache, no-store" ||
		rsp.header.Get("Content-Type") != "text/plain; charset=utf-8" || rsp.header.Get("X-Content-Type-Options") != "nosniff" {
		t.Errorf("got %d %q %v", rsp.status, rsp.body, rsp.header)
	}
}

// statusGet fetches path from gorouter's status listener, with the
// credentials unless auth is false.
func (r *natsRouter) statusGet(t *testing.T, path string, auth bool) response {
	t.Helper()
	req, err := http.NewRequest("GET", r.status+path, nil)
	if err != nil {
		t.Fatal(err)
	}
	if auth {
		req.SetBasicAuth("router-status", "pw")
	}
	rsp, err := r.client.Do(req)
	if err != nil {
		t.Fatalf("GET %s: %v", path, err)
	}
	defer rsp.Body.Close()
	b, _ := io.ReadAll(rsp.Body)
	return response{rsp.StatusCode, rsp.Header, string(b), rsp.Proto}
}

// Spec §18 case 5's /routes document and case 51's authentication, on
// the status listener of a running skiff.
func TestNATSStatusRoutes(t *testing.T) {
	r := startNATSRouter(t, nil)
	be := newBackend(t, "b1", nil)
	host, port := hostPort(be.URL)
	r.register(t, map[string]any{"host": host, "port": port, "uris": []string{"app.test"},
		"app": "aaaaaaaa-aaaa-aaaa-aaaa-aaaaaaaaaaaa", "private_instance_id": "inst-1",
		"private_instance_index": "2", "tags": map[string]string{"component": "route-emitter"}})
	r.waitStatus(t, "app.test", "/", 200)
	want := fmt.Sprintf(`{"app.test":[{"address":"%s:%d","availability_zone":"","protocol":"http1","tls":false,"ttl":4,"tags":{"component":"route-emitter"},"private_instance_id":"inst-1"}]}`+"\n", host, port)
	if got := r.statusGet(t, "/routes", true); got.status != 200 || got.body != want || got.header.Get("Content-Type") != "application/json" {
		t.Errorf("/routes: %d %q %v\nwant %q", got.status, got.body, got.header, want)
	}
	if got := r.statusGet(t, "/routes", false); got.status != 401 || got.body != "401 Unauthorized\n" || got.header.Get("Www-Authenticate") != "Basic" {
		t.Errorf("/routes without credentials: %d %q %v", got.status, got.body, got.header)
	}
	if got := r.statusGet(t, "/health", false); got.status != 200 || got.body != "ok\n" {
		t.Errorf("/health: %d %q", got.status, got.body)
	}
	// The health check User-Agent on the proxy port (case 50).
	if got := r.get(t, "/", "User-Agent", "HTTP-Monitor/1.1"); got.status != 200 || got.body != "ok\n" ||
		got.header.Get("Cache-Control") != "private, max-age=0" || got.header.Get("Expires") != "0" {
		t.Errorf("health check User-Agent: %d %q %v", got.status, got.body, got.header)
	}
}

// An endpoint flapping between registered and unregistered is
// suppressed: its last flip is held back (the route keeps serving) and
// /endpoints shows its penalty and the held state. Without damping the
// same flips apply at once.
func TestNATSDampingInEndpoints(t *testing.T) {
	for _, damped := range []bool{true, false} {
		t.Run(fmt.Sprintf("damping=%v", damped), func(t *testing.T) {
			r := startNATSRouter(t, func(o *nats.Options) { o.NoDamping = !damped })
			be := newBackend(t, "b1", nil)
			host, port := hostPort(be.URL)
			msg := map[string]any{"host": host, "port": port, "uris": []string{"flap.test"}}
			r.register(t, msg)
			r.waitStatus(t, "flap.test", "/", 200)
			r.unregister(t, msg) // flip 1: penalty 100
			r.waitStatus(t, "flap.test", "/", 404)
			r.register(t, msg) // flip 2: 200, not above the threshold
			r.waitStatus(t, "flap.test", "/", 200)
			r.unregister(t, msg) // flip 3: above 200, held when damped
			if !damped {
				r.waitStatus(t, "flap.test", "/", 404)
				if eps := r.endpoints(t); len(eps[host+":"+fmt.Sprint(port)].Damping) != 0 {
					t.Errorf("damping entries without damping: %+v", eps)
				}
				return
			}
			var ep endpointView
			waitFor(t, func() bool {
				ep = r.endpoints(t)[fmt.Sprintf("%s:%d", host, port)]
				return len(ep.Damping) == 1 && ep.Damping[0].Suppressed
			})
			d := ep.Damping[0]
			if d.Route != "flap.test" || d.Penalty <= 200 || d.Held != "unregistered" {
				t.Errorf("damping %+v, want flap.test suppressed above 200 holding unregistered", d)
			}
			if got := r.get(t, "/", "Host", "flap.test"); got.status != 200 {
				t.Errorf("the held unregistration was applied: %d", got.status)
			}
		})
	}
}

// Spec §18 cases 31 and 32: max_conns counts a request until its
// response headers arrive; all endpoints at the limit answer 503.
func TestNATSMaxConns(t *testing.T) {
	r := startNATSRouter(t, func(o *nats.Options) { o.MaxConns = 1 })
	release := make(chan struct{})
	entered := make(chan struct{}, 1)
	be := newBackend(t, "b1", nil)
	be.Config.Handler = http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		switch req.URL.Path {
		case "/slow-headers":
			entered <- struct{}{}
			<-release
		case "/slow-body":
			w.WriteHeader(200)
			w.(http.Flusher).Flush()
			<-release
		}
	})
	host, port := hostPort(be.URL)
	r.register(t, map[string]any{"host": host, "port": port, "uris": []string{"mc.test"}})
	r.waitStatus(t, "mc.test", "/", 200)

	first := make(chan response, 1)
	go func() { first <- r.get(t, "/slow-headers", "Host", "mc.test") }()
	<-entered
	second := r.get(t, "/", "Host", "mc.test")
	if second.status != 503 || second.body != "503 Service Unavailable: Requested route ('mc.test') has reached the connection limit.\n" ||
		second.header.Get("X-Cf-Routererror") != "Connection Limit Reached" {
		t.Errorf("at the limit: %d %q %v", second.status, second.body, second.header)
	}
	release <- struct{}{}
	if got := <-first; got.status != 200 {
		t.Errorf("the request holding the slot: %d", got.status)
	}

	// A streaming body does not hold the slot.
	rsp, err := r.client.Do(func() *http.Request {
		req, _ := http.NewRequest("GET", r.url+"/slow-body", nil)
		req.Host = "mc.test"
		return req
	}())
	if err != nil {
		t.Fatal(err)
	}
	defer rsp.Body.Close()
	if got := r.get(t, "/", "Host", "mc.test"); got.status != 200 {
		t.Errorf("during another response's body: %d %q", got.status, got.body)
	}
	close(release)
	io.Copy(io.Discard, rsp.Body)
}
