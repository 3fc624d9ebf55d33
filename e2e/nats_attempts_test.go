package e2e

import (
	"crypto/tls"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	skiff "github.com/skiff-proxy/skiff"
	"github.com/skiff-proxy/skiff/dataclients/nats/natstest"
)

// atTLSRouter is a NATS router trusting certs' CA for https backends, as
// gorouter does with its ca_certs, with no start delay.
func atTLSRouter(t *testing.T, certs *natstest.Certs, configure func(*skiff.Options)) *natsRouter {
	t.Helper()
	return startNATSRouterWith(t, natstest.Start(t), func(o *skiff.Options) {
		o.BackendCAFile = certs.CAFile
		o.NATS.StartDelay = -1
		if configure != nil {
			configure(o)
		}
	})
}

// atTLSBackend is an https backend whose certificate, signed by certs' CA,
// names only san (a Cloud Foundry instance's name, not its IP). It
// answers with its san in X-Backend.
func atTLSBackend(t *testing.T, certs *natstest.Certs, san string) (port int, hits *atomic.Int64) {
	t.Helper()
	hits = new(atomic.Int64)
	be := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		w.Header().Set("X-Backend", san)
		if r.TLS == nil {
			w.WriteHeader(500)
		}
	}))
	be.TLS = &tls.Config{Certificates: []tls.Certificate{certs.ServerCert(t, san)}}
	be.StartTLS()
	t.Cleanup(be.Close)
	_, port = nrHostPort(t, be.URL)
	return port, hits
}

// Spec §18 case 19, the request's part: with port and tls_port, the
// request goes over TLS to tls_port, verified against the registered
// server_cert_domain_san with the configured CA.
func TestNATSTLSEndpointVerifiedBySAN(t *testing.T) {
	t.Parallel()
	certs := natstest.NewCerts(t)
	r := atTLSRouter(t, certs, nil)
	plain := newBackend(t, "plain", nil)
	_, p1 := nrHostPort(t, plain.URL)
	p2, hits := atTLSBackend(t, certs, "inst-9")
	r.nrKeep(t, nrReg("127.0.0.1", p1, []string{"tls.test"}, "tls_port", p2, "server_cert_domain_san", "inst-9"))
	got := r.waitStatus(t, "tls.test", "/", 200)
	if got.header.Get("X-Backend") != "inst-9" || hits.Load() == 0 || plain.hits.Load() != 0 {
		t.Errorf("answer %d from %q; TLS backend hits %d, plain %d", got.status, got.header.Get("X-Backend"), hits.Load(), plain.hits.Load())
	}
}

// Spec §18 case 37: a TLS endpoint whose certificate does not carry its
// registered SAN fails its handshake, the request goes to the other
// endpoint, and the failing one leaves the pool until it registers again.
// Alone, it answers gorouter's 503.
func TestNATSSANMismatchPrunesTLSEndpoint(t *testing.T) {
	t.Parallel()
	certs := natstest.NewCerts(t)
	r := atTLSRouter(t, certs, nil)
	p1, _ := atTLSBackend(t, certs, "good")
	p2, hits2 := atTLSBackend(t, certs, "other")
	r.nrKeep(t, nrReg("127.0.0.1", 0, []string{"san.test"}, "tls_port", p1, "server_cert_domain_san", "good"))
	r.register(t, nrReg("127.0.0.1", 0, []string{"san.test"}, "tls_port", p2, "server_cert_domain_san", "expected"))
	r.nrWaitPool(t, "san.test", fmt.Sprintf("https://127.0.0.1:%d", p1), fmt.Sprintf("https://127.0.0.1:%d", p2))
	for i := range 6 {
		if got := r.get(t, "/", "Host", "san.test"); got.status != 200 || got.header.Get("X-Backend") != "good" {
			t.Fatalf("request %d: %d from %q, %v", i, got.status, got.header.Get("X-Backend"), got.header)
		}
	}
	if hits2.Load() != 0 {
		t.Errorf("the mismatching backend answered %d requests", hits2.Load())
	}
	routes := r.nrRoutes(t)["san.test"]
	if len(routes) != 1 || routes[0]["address"] != fmt.Sprintf("127.0.0.1:%d", p1) {
		t.Errorf("/routes after the failed handshake: %v", routes)
	}

	r.register(t, nrReg("127.0.0.1", 0, []string{"alone.test"}, "tls_port", p2, "server_cert_domain_san", "expected"))
	got := r.waitStatus(t, "alone.test", "/", 503)
	if got.body != "503 Service Unavailable\n" || !strings.HasPrefix(got.header.Get("X-Cf-Routererror"), "endpoint_failure (") ||
		!strings.Contains(got.header.Get("X-Cf-Routererror"), "expected") {
		t.Errorf("only the mismatching endpoint: %d %q %q", got.status, got.body, got.header.Get("X-Cf-Routererror"))
	}
	r.nrNoRoute(t, "alone.test")
}

// Spec §18 case 38: a TLS endpoint that answers plain HTTP gives 525 and
// leaves the pool.
func TestNATSTLSEndpointSpeakingPlainHTTP(t *testing.T) {
	t.Parallel()
	certs := natstest.NewCerts(t)
	r := atTLSRouter(t, certs, nil)
	plain := newBackend(t, "plain", nil)
	_, p := nrHostPort(t, plain.URL)
	r.register(t, nrReg("127.0.0.1", 0, []string{"notls.test"}, "tls_port", p, "server_cert_domain_san", "inst"))
	got := r.waitStatus(t, "notls.test", "/", 525)
	if got.body != "525 SSL Handshake Failed\n" || !strings.HasPrefix(got.header.Get("X-Cf-Routererror"), "endpoint_failure (") {
		t.Errorf("plain HTTP on a TLS endpoint: %d %q %v", got.status, got.body, got.header)
	}
	r.nrNoRoute(t, "notls.test")
}

// Spec §18 case 29: a refusing endpoint costs no request: each goes on to
// a live one, which share the load.
func TestNATSFailedEndpointSkipped(t *testing.T) {
	t.Parallel()
	r := nrStart(t, nil)
	b, c := newBackend(t, "b", nil), newBackend(t, "c", nil)
	for _, p := range []int{nrDeadPort(t), atPort(t, b.URL), atPort(t, c.URL)} {
		r.nrKeep(t, nrReg("127.0.0.1", p, []string{"skip.test"}))
	}
	r.waitStatus(t, "skip.test", "/", 200)
	waitFor(t, func() bool { return len(r.nrPools(t)["skip.test"]) == 3 })
	for i := range 60 {
		if got := r.get(t, "/", "Host", "skip.test"); got.status != 200 {
			t.Fatalf("request %d: %d %q", i, got.status, got.body)
		}
	}
	if b.hits.Load() < 10 || c.hits.Load() < 10 {
		t.Errorf("live endpoints got %d and %d of 60+ requests", b.hits.Load(), c.hits.Load())
	}
}

func atPort(t *testing.T, rawURL string) int {
	_, p := nrHostPort(t, rawURL)
	return p
}

// Spec §18 case 35: a request whose body was read is not sent again after
// the backend reset the connection; a GET whose connection was closed
// without an answer is, and succeeds on the other endpoint.
func TestNATSNoRetryAfterBodySent(t *testing.T) {
	t.Parallel()
	r := nrStart(t, nil)
	var resets, closes atomic.Int64
	_, resetter := nrHostPort(t, rawBackend(t, func(c net.Conn) {
		buf := make([]byte, 64<<10)
		n, _ := c.Read(buf)
		req := string(buf[:n])
		if strings.HasPrefix(req, "POST") {
			resets.Add(1)
			// Read the body, then reset (RST, not FIN).
			_ = c.SetReadDeadline(time.Now().Add(200 * time.Millisecond))
			_, _ = io.Copy(io.Discard, c)
			if tc, ok := c.(*net.TCPConn); ok {
				_ = tc.SetLinger(0)
			}
			return
		}
		closes.Add(1) // GET: close without answering
	}))
	good := newBackend(t, "good", nil)
	r.nrKeep(t, nrReg("127.0.0.1", resetter, []string{"reset.test"}))
	r.nrKeep(t, nrReg("127.0.0.1", atPort(t, good.URL), []string{"reset.test"}))
	waitFor(t, func() bool { return len(r.nrPools(t)["reset.test"]) == 2 })

	posts502 := 0
	for range 10 {
		req, _ := http.NewRequest("POST", r.url+"/", strings.NewReader(strings.Repeat("p", 100)))
		req.Host = "reset.test"
		rsp, err := r.client.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		_, _ = io.Copy(io.Discard, rsp.Body)
		rsp.Body.Close()
		switch rsp.StatusCode {
		case 502:
			posts502++
			if !strings.HasPrefix(rsp.Header.Get("X-Cf-Routererror"), "endpoint_failure (") {
				t.Errorf("502 without endpoint_failure: %v", rsp.Header)
			}
		case 200:
		default:
			t.Errorf("POST: %d", rsp.StatusCode)
		}
	}
	if int(resets.Load()) != posts502 || posts502 == 0 {
		t.Errorf("%d POSTs reached the resetting backend, %d answered 502: each should fail once, unretried", resets.Load(), posts502)
	}
	for i := range 10 {
		if got := r.get(t, "/", "Host", "reset.test"); got.status != 200 || got.header.Get("X-Backend") != "good" {
			t.Fatalf("GET %d: %d %q", i, got.status, got.body)
		}
	}
	if closes.Load() == 0 {
		t.Error("no GET reached the backend that closes: the test proves nothing")
	}
}
