package e2e

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os/exec"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/sirupsen/logrus"

	skiff "github.com/skiff-proxy/skiff"
	"github.com/skiff-proxy/skiff/dataclients/nats"
	"github.com/skiff-proxy/skiff/dataclients/nats/natstest"
	"github.com/skiff-proxy/skiff/dataclients/nats/status"
)

// Spec §18 cases 49 to 51, 53 and 54: gorouter's health (status listener
// and health-check User-Agent), /routes authentication, the drain on
// SIGUSR1 and the deprecated /varz and /healthz. The cases of the proxy
// itself are in nats_cases_test.go.

// ncNoKeepAlive is a client that opens a new connection for every
// request, so that a request shows whether the listener still accepts.
func ncNoKeepAlive() *http.Client {
	return &http.Client{Transport: &http.Transport{DisableKeepAlives: true}, Timeout: 10 * time.Second}
}

// ncGet is GET url with optional basic-auth credentials (user, password).
func ncGet(c *http.Client, url string, auth ...string) (response, bool, error) {
	req, err := http.NewRequest("GET", url, nil)
	if err != nil {
		return response{}, false, err
	}
	if len(auth) == 2 {
		req.SetBasicAuth(auth[0], auth[1])
	}
	rsp, err := c.Do(req)
	if err != nil {
		return response{}, false, err
	}
	defer rsp.Body.Close()
	b, err := io.ReadAll(rsp.Body)
	if err != nil {
		return response{}, false, err
	}
	return response{rsp.StatusCode, rsp.Header, string(b), rsp.Proto}, rsp.Close, nil
}

// ncCheckHealth checks a health answer (spec §12.1): 200 "ok\n" or an
// empty 503, never cached, and the connection closed after it.
func ncCheckHealth(t *testing.T, what string, rsp response, closed bool, healthy bool) {
	t.Helper()
	wantStatus, wantBody := 503, ""
	if healthy {
		wantStatus, wantBody = 200, "ok\n"
	}
	ncCheck(t, what, rsp.status, rsp.header, rsp.body, wantStatus, wantBody,
		"Cache-Control", "private, max-age=0", "Expires", "0")
	if !closed {
		t.Errorf("%s: the connection was not closed (Connection %q)", what, rsp.header.Values("Connection"))
	}
}

// ncRefused reports whether a connection to addr is refused.
func ncRefused(addr string) bool {
	c, err := net.DialTimeout("tcp", addr, time.Second)
	if err == nil {
		c.Close()
		return false
	}
	return errors.Is(err, syscall.ECONNREFUSED)
}

// Spec §18 case 49: during start_response_delay_interval /health answers
// an empty 503 and the proxy port is closed, while registrations already
// fill the table; then /health is 200 "ok\n" and the proxy serves. The
// harness's start waits for the end of the delay, so this test runs
// skiff.Run itself.
func TestNATSHealthDuringStartup(t *testing.T) {
	t.Parallel()
	const delay = 1500 * time.Millisecond
	srv := natstest.Start(t)
	be := newBackend(t, "b", nil)
	host, port := nrHostPort(t, be.URL)

	var o skiff.Options
	n := &o.NATS
	n.Transport.Servers = []string{srv.URL()}
	n.Transport.Index = 3
	n.Transport.RegisterInterval = time.Second
	n.Transport.PruneThreshold = 4 * time.Second
	n.PruneInterval = time.Second
	n.StartDelay = delay
	sln := listen(t)
	n.Status.Listener = sln
	n.Status.User, n.Status.Password = "router-status", "pw"
	o.SupportNetListener = listen(t)
	// The proxy listener is skiff's own, to see it closed during the
	// delay: an address free a moment ago.
	o.Address = deadAddress(t)
	o.WaitForHealthcheckInterval = -1
	l := logrus.New()
	l.SetOutput(io.Discard)
	o.Log = l
	o.AccessLogOutput = io.Discard

	client := ncNoKeepAlive()
	defer client.CloseIdleConnections()
	health := "http://" + sln.Addr().String() + "/health"
	// A registrar answers router.start with its registrations (spec
	// §2.3); skiff subscribes before it publishes router.start, so they
	// arrive, during the delay.
	pub := srv.Connect(t)
	startSub, err := pub.SubscribeSync("router.start")
	if err != nil {
		t.Fatal(err)
	}
	if err := pub.Flush(); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	t0 := time.Now()
	go func() { done <- skiff.Run(ctx, o) }()
	defer func() {
		cancel()
		select {
		case err := <-done:
			if err != nil {
				t.Errorf("Run: %v", err)
			}
		case <-time.After(20 * time.Second):
			t.Error("Run did not return after cancel")
		}
	}()

	// The status listener answers at once (the test opened it).
	registered := false
	var unhealthy int
	for {
		rsp, closed, err := ncGet(client, health)
		if err != nil {
			t.Fatalf("/health: %v", err)
		}
		el := time.Since(t0)
		if rsp.status == 200 {
			if el < delay {
				t.Errorf("/health 200 after %v, within the start delay %v", el, delay)
			}
			ncCheckHealth(t, "/health after the delay", rsp, closed, true)
			break
		}
		unhealthy++
		ncCheckHealth(t, fmt.Sprintf("/health at %v", el), rsp, closed, false)
		// The proxy port is closed until the health turns.
		if !ncRefused(o.Address) {
			if rsp, _, err := ncGet(client, health); err != nil || rsp.status != 200 {
				t.Fatalf("proxy port open at %v while /health is %d", time.Since(t0), rsp.status)
			}
		}
		if !registered {
			if _, err := startSub.NextMsg(time.Millisecond); err == nil {
				b, _ := json.Marshal(nrReg(host, port, []string{"early.test"}))
				if err := pub.Publish("router.register", b); err != nil {
					t.Fatal(err)
				}
				registered = pub.Flush() == nil
			}
		}
		if el > delay+5*time.Second {
			t.Fatalf("/health still 503 after %v", el)
		}
		time.Sleep(50 * time.Millisecond)
	}
	if unhealthy == 0 || !registered {
		t.Errorf("/health answered 503 %d times during the start delay, router.start seen: %v", unhealthy, registered)
	}
	if ncRefused(o.Address) {
		t.Fatal("/health 200 with the proxy port closed")
	}
	req, _ := http.NewRequest("GET", "http://"+o.Address+"/", nil)
	req.Host = "early.test"
	rsp, err := client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(rsp.Body)
	rsp.Body.Close()
	if rsp.StatusCode != 200 || string(b) != "from b\n" {
		t.Errorf("route registered during the delay: %d %q, want 200 from b", rsp.StatusCode, b)
	}
}

// Spec §18 case 50: the health-check User-Agent is answered before the
// Host check, so an HTTP/1.0 request without Host gets the health; any
// other request without Host is empty_host. Both are access-logged.
func TestNATSHealthCheckUserAgentNoHost(t *testing.T) {
	r := ncStartGorouterLog(t)
	addr := ncAddr(r.url)
	got := ncRaw(t, addr, "GET / HTTP/1.0\r\nUser-Agent: HTTP-Monitor/1.1\r\n\r\n")
	ncCheck(t, "health check without Host", got.status, got.header, got.body, 200, "ok\n",
		"Cache-Control", "private, max-age=0", "Expires", "0", "X-Cf-Routererror", "")
	if !strings.HasPrefix(got.raw, "HTTP/1.0 200 OK\r\n") || !got.closed {
		t.Errorf("health check: %q, closed %v; want an HTTP/1.0 200 and the connection closed", got.raw, got.closed)
	}
	for _, ua := range []string{"User-Agent: curl/8.5.0\r\n", "User-Agent: HTTP-Monitor/1.0\r\n", "User-Agent: http-monitor/1.1\r\n", ""} {
		got := ncRaw(t, addr, "GET / HTTP/1.0\r\n"+ua+"\r\n")
		ncCheck(t, fmt.Sprintf("no Host, %q", ua), got.status, got.header, got.body,
			400, "400 Bad Request: Request had empty Host header\n",
			"X-Cf-Routererror", "empty_host", "Cache-Control", "public,max-age=2")
	}
	const ts = `\[\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{9}Z\]`
	line := ncLine(t, r.instance, `"HTTP-Monitor/1.1"`)
	rx := regexp.MustCompile(`^ - ` + ts + ` "GET / HTTP/1\.0" 200 0 3 "-" "HTTP-Monitor/1\.1" "127\.0\.0\.1:\d+" "-" x_forwarded_for:"-" x_forwarded_proto:"-" vcap_request_id:"(-|[0-9a-f-]{36})" response_time:\d+\.\d{6} gorouter_time:0\.000000 app_id:"-" app_index:"-" instance_id:"-" x_cf_routererror:"-"$`)
	if !rx.MatchString(line) {
		t.Errorf("health check line\n%s\ndoes not match\n%s", line, rx)
	}
	line = ncLine(t, r.instance, `"curl/8.5.0"`)
	rx = regexp.MustCompile(`^ - ` + ts + ` "GET / HTTP/1\.0" 400 0 47 "-" "curl/8\.5\.0" "127\.0\.0\.1:\d+" "-" x_forwarded_for:"-" x_forwarded_proto:"-" vcap_request_id:"(-|[0-9a-f-]{36})" response_time:\d+\.\d{6} gorouter_time:0\.000000 app_id:"-" app_index:"-" instance_id:"-" x_cf_routererror:"empty_host"$`)
	if !rx.MatchString(line) {
		t.Errorf("empty-host line\n%s\ndoes not match\n%s", line, rx)
	}
}

// Spec §18 case 51 and §12.5: /routes wants exactly "Basic" and the
// configured user and password; anything else is gorouter's 401.
func TestNATSRoutesAuth(t *testing.T) {
	r := nrStart(t, nil)
	c := ncNoKeepAlive()
	defer c.CloseIdleConnections()
	b64 := func(s string) string { return base64.StdEncoding.EncodeToString([]byte(s)) }
	for _, tc := range []struct{ name, authorization string }{
		{"none", ""},
		{"wrong password", "Basic " + b64("router-status:nope")},
		{"wrong user", "Basic " + b64("admin:pw")},
		{"lower-case scheme", "basic " + b64("router-status:pw")},
		{"no colon", "Basic " + b64("router-statuspw")},
		{"not base64", "Basic !!!"},
		{"bearer", "Bearer " + b64("router-status:pw")},
	} {
		req, _ := http.NewRequest("GET", r.status+"/routes", nil)
		if tc.authorization != "" {
			req.Header.Set("Authorization", tc.authorization)
		}
		rsp, err := c.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(rsp.Body)
		rsp.Body.Close()
		ncCheck(t, "/routes, credentials "+tc.name, rsp.StatusCode, rsp.Header, string(b), 401, "401 Unauthorized\n",
			"Www-Authenticate", "Basic")
	}
	rsp, closed, err := ncGet(c, r.status+"/routes", "router-status", "pw")
	if err != nil {
		t.Fatal(err)
	}
	ncCheck(t, "/routes with credentials", rsp.status, rsp.header, rsp.body, 200, "{}\n",
		"Content-Type", "application/json", "Www-Authenticate", "")
	if !closed {
		t.Errorf("/routes: connection not closed (Connection %q)", rsp.header.Values("Connection"))
	}
	// §12.1: the liveness path answers always, other paths are 404.
	if rsp, _, err := ncGet(c, r.status+"/is-process-alive-do-not-use-for-loadbalancing"); err != nil || rsp.status != 200 || rsp.body != "ok\n" {
		t.Errorf("liveness: %d %q %v, want 200 ok", rsp.status, rsp.body, err)
	}
	if rsp, _, err := ncGet(c, r.status+"/health/", "router-status", "pw"); err != nil || rsp.status != 404 {
		t.Errorf("/health/: %d %v, want 404", rsp.status, err)
	}
	// /varz and /healthz only in the deprecated mode (case 54).
	for _, p := range []string{"/varz", "/healthz"} {
		if rsp, _, err := ncGet(c, r.status+p, "router-status", "pw"); err != nil || rsp.status != 404 {
			t.Errorf("%s without the deprecated endpoints: %d %v, want 404", p, rsp.status, err)
		}
	}
}

// Spec §18 case 51, the listener: by default gorouter's /routes listener
// is 127.0.0.1:8082, not reachable on other addresses. The test needs that
// port; it skips when something else has it.
func TestNATSStatusListenerLoopback(t *testing.T) {
	if status.DefaultAddr != "127.0.0.1:8082" {
		t.Errorf("status.DefaultAddr %q, want 127.0.0.1:8082", status.DefaultAddr)
	}
	ln, err := net.Listen("tcp", ":8082")
	if err != nil {
		t.Skipf("port 8082 is taken: %v", err)
	}
	ln.Close()
	var other string
	addrs, _ := net.InterfaceAddrs()
	for _, a := range addrs {
		if ip, ok := a.(*net.IPNet); ok && !ip.IP.IsLoopback() && ip.IP.To4() != nil {
			other = ip.IP.String()
			break
		}
	}
	startNATSRouterWith(t, natstest.Start(t), func(o *skiff.Options) {
		o.NATS.StartDelay = -1
		o.NATS.Status.Listener = nil // the harness's stays unused
		o.NATS.Status.Address = ""
	})
	c := ncNoKeepAlive()
	defer c.CloseIdleConnections()
	rsp, closed, err := ncGet(c, "http://127.0.0.1:8082/health")
	if err != nil {
		t.Fatalf("default status listener on 127.0.0.1:8082: %v", err)
	}
	ncCheckHealth(t, "/health on 127.0.0.1:8082", rsp, closed, true)
	if rsp, _, err := ncGet(c, "http://127.0.0.1:8082/routes", "router-status", "pw"); err != nil || rsp.status != 200 || rsp.body != "{}\n" {
		t.Errorf("/routes on 127.0.0.1:8082: %d %q %v", rsp.status, rsp.body, err)
	}
	if other == "" {
		t.Log("no non-loopback IPv4 address to try")
		return
	}
	if a := net.JoinHostPort(other, "8082"); !ncRefused(a) {
		t.Errorf("the status listener answers on %s", a)
	}
}

// Spec §18 case 54: with the deprecated endpoints on, /varz (with
// credentials) has gorouter's keys and counts the requests, and /healthz
// is /health.
func TestNATSDeprecatedVarz(t *testing.T) {
	r := nrStart(t, func(o *nats.Options) { o.Status.EnableVarz = true })
	be := newBackend(t, "b", nil)
	host, port := nrHostPort(t, be.URL)
	r.nrKeep(t, nrReg(host, port, []string{"varz.test", "varz2.test/x"}, "tags", map[string]string{"component": "route-emitter"}))
	r.waitStatus(t, "varz.test", "/", 200)
	r.waitStatus(t, "varz2.test", "/x", 200)

	c := ncNoKeepAlive()
	defer c.CloseIdleConnections()
	varz := func() map[string]any {
		t.Helper()
		rsp, _, err := ncGet(c, r.status+"/varz", "router-status", "pw")
		if err != nil || rsp.status != 200 || rsp.header.Get("Content-Type") != "application/json" {
			t.Fatalf("/varz: %d %v %q %v", rsp.status, rsp.header, rsp.body, err)
		}
		var m map[string]any
		if err := json.Unmarshal([]byte(rsp.body), &m); err != nil {
			t.Fatalf("/varz: %v\n%s", err, rsp.body)
		}
		return m
	}
	before := varz()
	want := []string{"type", "index", "host", "uuid", "start", "uptime", "num_cores", "mem", "cpu", "requests", "rate",
		"responses_2xx", "responses_3xx", "responses_4xx", "responses_5xx", "responses_xxx", "latency", "tags", "urls",
		"droplets", "bad_requests", "bad_gateways", "requests_per_sec", "top10_app_requests", "ms_since_last_registry_update"}
	for _, k := range want {
		if _, ok := before[k]; !ok {
			t.Errorf("/varz has no %q: %v", k, before)
		}
	}
	if before["type"] != "Router" || before["index"] != 3.0 || !regexp.MustCompile(`^3-[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$`).MatchString(fmt.Sprint(before["uuid"])) {
		t.Errorf("/varz type %v index %v uuid %v, want Router, 3, 3-<uuid>", before["type"], before["index"], before["uuid"])
	}
	if fmt.Sprint(before["credentials"]) != "[]" {
		t.Errorf("/varz credentials %v, want [] (DEVIATION: gorouter shows the password)", before["credentials"])
	}
	if before["urls"] != 2.0 || before["droplets"] != 1.0 {
		t.Errorf("/varz urls %v droplets %v, want 2 and 1", before["urls"], before["droplets"])
	}
	if _, err := time.Parse("2006-01-02 15:04:05 -0700", fmt.Sprint(before["start"])); err != nil {
		t.Errorf("/varz start %v: %v", before["start"], err)
	}
	if !regexp.MustCompile(`^\d+d:\d+h:\d+m:\d+s$`).MatchString(fmt.Sprint(before["uptime"])) {
		t.Errorf("/varz uptime %v", before["uptime"])
	}
	if v, ok := before["ms_since_last_registry_update"].(float64); !ok || v < 0 || v > 5000 {
		t.Errorf("/varz ms_since_last_registry_update %v, want the time since the last refresh", before["ms_since_last_registry_update"])
	}
	if host := fmt.Sprint(before["host"]); host != ncAddr(r.status) {
		t.Errorf("/varz host %q, want the status listener %q", host, ncAddr(r.status))
	}

	for range 3 {
		if got := r.get(t, "/", "Host", "varz.test"); got.status != 200 {
			t.Fatalf("%d", got.status)
		}
	}
	if got := r.get(t, "/", "Host", "nope.test"); got.status != 404 {
		t.Fatalf("%d", got.status)
	}
	after := varz()
	for k, d := range map[string]float64{"requests": 3, "responses_2xx": 3, "bad_requests": 1, "bad_gateways": 0, "responses_5xx": 0} {
		if got := after[k].(float64) - before[k].(float64); got != d {
			t.Errorf("/varz %s went from %v to %v, want +%v", k, before[k], after[k], d)
		}
	}

	if rsp, _, err := ncGet(c, r.status+"/varz"); err != nil || rsp.status != 401 || rsp.body != "401 Unauthorized\n" {
		t.Errorf("/varz without credentials: %d %q %v", rsp.status, rsp.body, err)
	}
	h, hClosed, err1 := ncGet(c, r.status+"/health")
	hz, hzClosed, err2 := ncGet(c, r.status+"/healthz")
	if err1 != nil || err2 != nil {
		t.Fatal(err1, err2)
	}
	ncCheckHealth(t, "/healthz", hz, hzClosed, true)
	delete(h.header, "Date")
	delete(hz.header, "Date")
	if h.status != hz.status || h.body != hz.body || hClosed != hzClosed || fmt.Sprint(h.header) != fmt.Sprint(hz.header) {
		t.Errorf("/healthz %d %q %v, /health %d %q %v", hz.status, hz.body, hz.header, h.status, h.body, h.header)
	}
}

// Spec §18 case 53 on the skiff binary: SIGUSR1 (what Cloud Foundry's
// drain script sends) turns /health to 503 at once; the proxy serves new
// connections for the drain wait (-wait-for-healthcheck-interval), then
// refuses them; the request in flight completes; the process exits 0.
// gorouter stops at once on SIGTERM and cuts requests in flight; skiff
// drains on SIGTERM as on SIGUSR1, by design (config/serve.go), and the
// SIGTERM subtest pins that.
func TestNATSDrain(t *testing.T) {
	for _, sig := range []syscall.Signal{syscall.SIGUSR1, syscall.SIGTERM} {
		t.Run(sig.String(), func(t *testing.T) {
			t.Parallel()
			ncTestDrain(t, sig, false)
		})
	}
}

// Spec §14.2: a signal after the first is ignored (logged); the drain
// goes on and the process exits 0.
func TestNATSDrainSecondSignalIgnored(t *testing.T) {
	t.Parallel()
	ncTestDrain(t, syscall.SIGUSR1, true)
}

// ncTestDrain runs case 53 with sig; twice sends it a second time once
// /health turned.
func ncTestDrain(t *testing.T, sig syscall.Signal, twice bool) {
	const (
		drainWait = 1500 * time.Millisecond
		slow      = 2500 * time.Millisecond
	)
	bin := skiffBinary(t)
	srv := natstest.Start(t)
	entered := make(chan struct{}, 1)
	be := newBackend(t, "b", func(w http.ResponseWriter, req *http.Request) {
		if req.URL.Path == "/slow" {
			entered <- struct{}{}
			time.Sleep(slow)
			io.WriteString(w, "slow done\n")
			return
		}
		io.WriteString(w, "fast\n")
	})
	host, port := nrHostPort(t, be.URL)
	three := deadAddresses(t, 3)
	addr, support, statusAddr := three[0], three[1], three[2]
	cmd := exec.Command(bin, "-address", addr, "-support-listener", support,
		"-nats-servers", srv.URL(), "-nats-start-delay", "-1s", "-nats-index", "3",
		"-nats-status-address", statusAddr, "-nats-status-user", "router-status", "-nats-status-password", "pw",
		"-wait-for-healthcheck-interval", drainWait.String(), "-shutdown-timeout", "10s",
		"-access-log-format", "gorouter")
	var stderr syncBuffer
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	var exitErr error
	hasExited := false
	defer func() {
		if !hasExited {
			cmd.Process.Kill()
			<-exited
		}
		if t.Failed() {
			t.Logf("skiff's stderr:\n%s", stderr.String())
		}
	}()

	client := ncNoKeepAlive()
	defer client.CloseIdleConnections()
	health := "http://" + statusAddr + "/health"
	get := func(path string) (response, error) {
		req, _ := http.NewRequest("GET", "http://"+addr+path, nil)
		req.Host = "drain.test"
		rsp, err := client.Do(req)
		if err != nil {
			return response{}, err
		}
		defer rsp.Body.Close()
		b, err := io.ReadAll(rsp.Body)
		return response{rsp.StatusCode, rsp.Header, string(b), rsp.Proto}, err
	}

	// Registered until the end, as a route emitter does: NATS stays
	// connected through the drain.
	pub := srv.Connect(t)
	msg, _ := json.Marshal(nrReg(host, port, []string{"drain.test"}))
	quit, pubDone := make(chan struct{}), make(chan struct{})
	go func() {
		defer close(pubDone)
		for {
			_ = pub.Publish("router.register", msg)
			_ = pub.Flush()
			select {
			case <-quit:
				return
			case <-time.After(200 * time.Millisecond):
			}
		}
	}()
	defer func() { close(quit); <-pubDone }()
	waitFor(t, func() bool {
		rsp, err := get("/")
		return err == nil && rsp.status == 200
	})
	if rsp, closed, err := ncGet(client, health); err != nil {
		t.Fatal(err)
	} else {
		ncCheckHealth(t, "/health before the signal", rsp, closed, true)
	}

	type result struct {
		rsp response
		err error
		at  time.Time
	}
	inflight := make(chan result, 1)
	go func() {
		rsp, err := get("/slow")
		inflight <- result{rsp, err, time.Now()}
	}()
	<-entered
	if err := cmd.Process.Signal(sig); err != nil {
		t.Fatal(err)
	}
	t0 := time.Now()

	// /health is 503 at once.
	var rsp response
	var closed bool
	for {
		var err error
		rsp, closed, err = ncGet(client, health)
		if err != nil {
			t.Fatalf("/health after %v: %v", sig, err)
		}
		if rsp.status != 200 || time.Since(t0) > 300*time.Millisecond {
			break
		}
		time.Sleep(10 * time.Millisecond)
	}
	ncCheckHealth(t, fmt.Sprintf("/health %v after %v", time.Since(t0), sig), rsp, closed, false)
	if twice {
		if err := cmd.Process.Signal(sig); err != nil {
			t.Fatal(err)
		}
	}
	// So is the health-check User-Agent on the proxy port.
	if got := ncRaw(t, addr, "GET / HTTP/1.0\r\nUser-Agent: HTTP-Monitor/1.1\r\n\r\n"); got.status != 503 || got.body != "" {
		t.Errorf("health check User-Agent while draining: %d %q", got.status, got.body)
	}

	// New connections are served during the drain wait.
	served := 0
	for time.Since(t0) < drainWait-300*time.Millisecond {
		rsp, err := get("/")
		if err != nil || rsp.status != 200 || rsp.body != "fast\n" {
			t.Fatalf("request %v into the drain: %d %q %v, want 200", time.Since(t0), rsp.status, rsp.body, err)
		}
		served++
		time.Sleep(100 * time.Millisecond)
	}
	if served < 3 {
		t.Errorf("only %d requests during the drain wait", served)
	}

	// Then the proxy port refuses connections.
	for !ncRefused(addr) {
		if time.Since(t0) > drainWait+time.Second {
			t.Fatalf("the proxy port still accepts %v after %v", time.Since(t0), sig)
		}
		time.Sleep(20 * time.Millisecond)
	}
	if el := time.Since(t0); el < drainWait-100*time.Millisecond {
		t.Errorf("the proxy port closed %v after %v, before the drain wait of %v", el, sig, drainWait)
	}
	// The status listener stays up, unhealthy, while the request in
	// flight finishes.
	if rsp, closed, err := ncGet(client, health); err != nil {
		t.Errorf("/health while waiting for the request in flight: %v", err)
	} else {
		ncCheckHealth(t, "/health while waiting for the request in flight", rsp, closed, false)
	}

	var res result
	select {
	case res = <-inflight:
	case <-time.After(slow + 5*time.Second):
		t.Fatal("the request in flight did not end")
	}
	if res.err != nil || res.rsp.status != 200 || res.rsp.body != "slow done\n" {
		t.Errorf("request in flight: %d %q %v, want 200 slow done", res.rsp.status, res.rsp.body, res.err)
	}
	select {
	case exitErr = <-exited:
		hasExited = true
	case <-time.After(5 * time.Second):
		t.Fatalf("no exit 5s after the last request ended")
	}
	if exitErr != nil {
		t.Errorf("exit: %v, want 0", exitErr)
	}
	if el := time.Since(res.at); el > 2*time.Second {
		t.Errorf("exit %v after the last request ended", el)
	}
	if !ncRefused(statusAddr) {
		t.Errorf("the status listener still accepts after the exit")
	}
	log := stderr.String()
	if !strings.Contains(log, `"GET /slow HTTP/1.1" 200 0 10 `) {
		t.Errorf("no access-log line of the request in flight")
	}
}
