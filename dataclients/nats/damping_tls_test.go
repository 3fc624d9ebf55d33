package nats

import (
	"os"
	"testing"
	"time"
)

// With the default damping numbers a held change is never released but
// discarded after MaxSuppress (damping/doc.go), and a discarded held
// unregistration leaves the endpoint registered, trusting its TTL to
// prune it. TLS endpoints have no TTL (spec §6.3): a TLS endpoint that
// flapped and then went for good stays in its pool for ever (until a
// failed connection removes it, §8.3), listed in /routes and balanced
// to. The expected behaviour below fails today; NATS_DAMPING_TLS_REPRO=1
// runs it.
func TestDampingDiscardedUnregisterOfTLSEndpoint(t *testing.T) {
	c, clk := newTestClient(t, Options{})
	m := ep("10.0.0.1", 0, "t.test").with("tls_port", 61002, "server_cert_domain_san", "inst")
	bare := payload{"host": "10.0.0.1", "tls_port": 61002, "uris": []string{"t.test"}}
	register(t, c, m)
	unregister(t, c, bare) // 100, applied
	register(t, c, m)      // 200, applied
	unregister(t, c, bare) // 300: suppressed, held
	if p := c.table.pools["t.test"]; p == nil || len(p.eps) != 1 {
		t.Fatalf("held unregister applied")
	}
	// The plain-endpoint case the damping package relies on: what its TTL
	// would prune. Here: a TLS endpoint, nothing more is sent for it.
	for range 200 {
		clk.Add(time.Second)
		c.releaseHeld()
	}
	c.pruneTick(nil, false)
	clk.Add(time.Hour)
	c.pruneTick(nil, false)
	p := c.table.pools["t.test"]
	gone := p == nil || len(p.eps) == 0
	if !gone && os.Getenv("NATS_DAMPING_TLS_REPRO") == "" {
		t.Skip("known: the TLS endpoint whose unregistration damping discarded is still registered an hour later (handle.go/damping, not table.go)")
	}
	if !gone {
		t.Errorf("TLS endpoint still registered an hour after its last (held, discarded) unregistration: %v", addrs(p))
	}
}
