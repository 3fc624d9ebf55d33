package nats

import (
	"testing"
	"time"
)

// With the default damping numbers a held change is never released but
// discarded after MaxSuppress (damping/doc.go), and a discarded held
// unregistration leaves a plain endpoint to its TTL. TLS endpoints have no
// TTL (spec §6.3): the discarded unregistration of a TLS endpoint that
// flapped and then went for good is applied, or it would stay in its pool
// for ever.
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
	if !gone {
		t.Errorf("TLS endpoint still registered an hour after its last (held, discarded) unregistration: %v", addrs(p))
	}
}
