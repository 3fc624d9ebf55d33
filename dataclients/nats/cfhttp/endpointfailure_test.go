package cfhttp

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net"
	"net/http/httptest"
	"syscall"
	"testing"
)

// Constructed errors shaped like the ones crypto/tls, crypto/x509 and net
// return; classify_test.go produces the real ones over sockets.
var (
	errRefused = &net.OpError{Op: "dial", Net: "tcp",
		Addr: &net.TCPAddr{IP: net.IPv4(10, 0, 1, 5), Port: 61001},
		Err:  &net.OpError{Op: "connect", Err: syscall.ECONNREFUSED}}
	errNotTLS    = tls.RecordHeaderError{Msg: "first record does not look like a TLS handshake"}
	errHostname  = &tls.CertificateVerificationError{Err: x509.HostnameError{Certificate: &x509.Certificate{}, Host: "expected"}}
	errUnknownCA = &tls.CertificateVerificationError{Err: x509.UnknownAuthorityError{}}
	errExpired   = &tls.CertificateVerificationError{Err: x509.CertificateInvalidError{Reason: x509.Expired}}
	errBadCert   = &net.OpError{Op: "remote error", Err: tls.AlertError(42)}
	errCAUnknown = &net.OpError{Op: "remote error", Err: tls.AlertError(48)}
	errCertReq   = &net.OpError{Op: "remote error", Err: tls.AlertError(116)}
	errHandshake = &net.OpError{Op: "remote error", Err: tls.AlertError(40)}
	errReset     = &net.OpError{Op: "read", Net: "tcp", Err: syscall.ECONNRESET}
)

func TestEndpointFailure(t *testing.T) {
	const badGateway = "502 Bad Gateway: Registered endpoint failed to handle the request.\n"
	for _, tt := range []struct {
		name       string
		err        error
		clientGone bool
		status     int
		body       string
	}{
		{"dial refused (case 34)", errRefused, false, 502, badGateway},
		{"no round trip", nil, false, 502, badGateway},
		{"plain HTTP on TLS endpoint (case 38)", errNotTLS, false, 525, "525 SSL Handshake Failed\n"},
		{"SAN mismatch (case 37)", errHostname, false, 503, "503 Service Unavailable\n"},
		{"unknown CA", errUnknownCA, false, 526, "526 Invalid SSL Certificate\n"},
		{"expired", errExpired, false, 526, "526 Invalid SSL Certificate\n"},
		{"bad certificate alert", errBadCert, false, 496, "496 SSL Certificate Required\n"},
		{"unknown CA alert", errCAUnknown, false, 496, "496 SSL Certificate Required\n"},
		{"certificate required alert", errCertReq, false, 496, "496 SSL Certificate Required\n"},
		{"handshake failure alert", errHandshake, false, 525, "525 SSL Handshake Failed\n"},
		{"context cancelled", fmt.Errorf("round trip: %w", context.Canceled), false, 499, "499 Request Cancelled\n"},
		{"client gone beats a dial error", errRefused, true, 499, "499 Request Cancelled\n"},
		{"client gone, no round trip", nil, true, 499, "499 Request Cancelled\n"},
		{"client gone beats handshake failure", errHandshake, true, 499, "499 Request Cancelled\n"},
		// Rows above the client-gone row win even when the client is gone.
		{"not-TLS beats client gone", errNotTLS, true, 525, "525 SSL Handshake Failed\n"},
		{"SAN mismatch beats client gone", errHostname, true, 503, "503 Service Unavailable\n"},
		{"untrusted beats client gone", errUnknownCA, true, 526, "526 Invalid SSL Certificate\n"},
		{"client cert beats client gone", errBadCert, true, 496, "496 SSL Certificate Required\n"},
		{"reset", errReset, false, 502, badGateway},
		{"other alert is a plain failure", &net.OpError{Op: "remote error", Err: tls.AlertError(80)}, false, 502, badGateway},
		{"anything else", errors.New("boom"), false, 502, badGateway},
	} {
		t.Run(tt.name, func(t *testing.T) {
			e := EndpointFailure(tt.err, tt.clientGone)
			wantRE := "endpoint_failure (No endpoints available)"
			if tt.err != nil {
				wantRE = "endpoint_failure (" + tt.err.Error() + ")"
			}
			w := httptest.NewRecorder()
			w.Header().Set("Connection", "keep-alive")
			e.Write(w)
			if w.Code != tt.status {
				t.Errorf("status %d, want %d", w.Code, tt.status)
			}
			if got := w.Body.String(); got != tt.body {
				t.Errorf("body %q, want %q", got, tt.body)
			}
			if got := w.Header().Get("X-Cf-Routererror"); got != wantRE {
				t.Errorf("X-Cf-Routererror %q, want %q", got, wantRE)
			}
			if _, ok := w.Header()["Cache-Control"]; ok {
				t.Error("Cache-Control set on an endpoint failure")
			}
			if _, ok := w.Header()["Connection"]; ok {
				t.Error("Connection kept")
			}
		})
	}
}

// The header quotes the raw Go error text, as in §8.3's example.
func TestEndpointFailureRouterErrorText(t *testing.T) {
	got := EndpointFailure(errRefused, false).RouterError
	want := "endpoint_failure (dial tcp 10.0.1.5:61001: connect: connection refused)"
	if got != want {
		t.Errorf("got %q, want %q", got, want)
	}
}

// The EXT switch drops the error text but keeps status and body.
func TestEndpointFailureRedacted(t *testing.T) {
	for _, err := range []error{errRefused, errHostname, nil} {
		full, red := EndpointFailure(err, false), EndpointFailureRedacted(err, false)
		if red.RouterError != "endpoint_failure" {
			t.Errorf("%v: RouterError %q", err, red.RouterError)
		}
		if red.Status != full.Status || red.Body() != full.Body() {
			t.Errorf("%v: %d %q, want %d %q", err, red.Status, red.Body(), full.Status, full.Body())
		}
	}
}
