package gorouter

import (
	"crypto/x509"
	"errors"
	"io"
	"net"
	"net/http/httptest"
	"syscall"
	"testing"

	"github.com/skiff-proxy/skiff/dataclients/nats"
	"github.com/skiff-proxy/skiff/filters"
	"github.com/skiff-proxy/skiff/filters/filtertest"
)

func TestAttemptFailed(t *testing.T) {
	refused := &net.OpError{Op: "dial", Net: "tcp", Err: syscall.ECONNREFUSED}
	reset := &net.OpError{Op: "read", Net: "tcp", Err: syscall.ECONNRESET}
	badSAN := x509.HostnameError{Certificate: &x509.Certificate{}, Host: "expected"}
	for _, tc := range []struct {
		name        string
		method      string
		tls         bool
		err         error
		n           int
		wantRetry   bool
		wantRemoved bool
	}{
		{"refused, first attempt", "POST", false, refused, 1, true, false},
		{"refused, budget spent", "GET", false, refused, 3, false, false},
		{"refused TLS endpoint leaves its pool", "GET", true, refused, 1, true, true},
		{"SAN mismatch", "GET", true, badSAN, 2, true, true},
		{"SAN mismatch, last attempt still removes", "GET", true, badSAN, 3, false, true},
		{"reset while reading", "GET", true, reset, 1, false, false},
		{"EOF on GET", "GET", false, io.EOF, 1, true, false},
		{"EOF on POST", "POST", false, io.EOF, 1, false, false},
		{"other error", "GET", false, errors.New("boom"), 1, false, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := newClient(t, nats.Options{MaxAttempts: 3})
			msg := map[string]any{"host": "10.0.0.1", "uris": []string{"a.test"}, "server_cert_domain_san": "inst"}
			if tc.tls {
				msg["tls_port"] = 8443
			} else {
				msg["port"] = 8080
			}
			register(t, c, msg)
			register(t, c, map[string]any{"host": "10.0.0.2", "port": 8080, "uris": []string{"a.test"}})
			addr := "10.0.0.1:8080"
			if tc.tls {
				addr = "10.0.0.1:8443"
			}
			f := &poolFilter{c: c, opts: c.Options(), key: "a.test"}
			ctx := filtertest.NewContext(httptest.NewRequest(tc.method, "http://a.test/", nil))
			f.Attempt(ctx, addr)
			wantName := ""
			if tc.tls {
				wantName = "inst"
			}
			if got, _ := ctx.StateBag()[filters.BackendTLSName].(string); got != wantName {
				t.Errorf("TLS name %q, want %q", got, wantName)
			}
			if got := f.AttemptFailed(ctx, addr, tc.n, tc.err); got != tc.wantRetry {
				t.Errorf("retry %v, want %v", got, tc.wantRetry)
			}
			if removed := c.Endpoint("a.test", addr) == nil; removed != tc.wantRemoved {
				t.Errorf("removed %v, want %v", removed, tc.wantRemoved)
			}
			if c.Endpoint("a.test", "10.0.0.2:8080") == nil {
				t.Error("the other endpoint went too")
			}
			// The next endpoint is plain: no name is left for it.
			f.Attempt(ctx, "10.0.0.2:8080")
			if _, ok := ctx.StateBag()[filters.BackendTLSName]; ok {
				t.Error("TLS name kept for a plain endpoint")
			}
		})
	}
}

// A registration that replaced the failing endpoint is not removed for
// its predecessor's failure.
func TestAttemptFailedKeepsSuccessor(t *testing.T) {
	c := newClient(t, nats.Options{})
	reg := func(san string) {
		register(t, c, map[string]any{"host": "10.0.0.1", "tls_port": 8443, "uris": []string{"a.test"}, "server_cert_domain_san": san})
	}
	reg("old")
	f := &poolFilter{c: c, opts: c.Options(), key: "a.test"}
	ctx := filtertest.NewContext(httptest.NewRequest("GET", "http://a.test/", nil))
	f.Attempt(ctx, "10.0.0.1:8443")
	reg("new")
	f.AttemptFailed(ctx, "10.0.0.1:8443", 1, x509.HostnameError{Certificate: &x509.Certificate{}, Host: "old"})
	e := c.Endpoint("a.test", "10.0.0.1:8443")
	if e == nil || e.ServerCertDomainSAN() != "new" {
		t.Fatalf("successor removed: %v", e)
	}
}
