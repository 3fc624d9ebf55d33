package cfhttp

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
	"net"
)

// Recognisers for the TLS failure kinds of §8.2 and §8.3. They look at Go
// error types, through any wrapping, because that is what gorouter keys on;
// error text is compared only where crypto/tls and net/http give nothing
// else to match.

// TLS alert numbers (RFC 8446 §6) that §8.2 names.
const (
	alertHandshakeFailure    = 40
	alertBadCertificate      = 42
	alertUnknownCA           = 48
	alertCertificateRequired = 116
)

// alertTexts are the texts of the alerts above, taken from crypto/tls once
// rather than written out, so that they cannot drift from it.
var alertTexts = func() (t [4]struct {
	alert uint8
	text  string
}) {
	for i, a := range [...]uint8{alertHandshakeFailure, alertBadCertificate, alertUnknownCA, alertCertificateRequired} {
		t[i].alert, t[i].text = a, tls.AlertError(a).Error()
	}
	return t
}()

// remoteAlert reports the alert the peer sent, if err is one. Over TCP,
// crypto/tls reports a received alert as a *net.OpError with Op "remote
// error" around an unexported type whose text is the same as AlertError's;
// QUIC (and a future crypto/tls) wrap tls.AlertError itself.
func remoteAlert(err error) (uint8, bool) {
	if a, ok := errors.AsType[tls.AlertError](err); ok {
		return uint8(a), true
	}
	op, ok := errors.AsType[*net.OpError](err)
	if !ok || op.Op != "remote error" || op.Err == nil {
		return 0, false
	}
	text := op.Err.Error()
	for _, a := range alertTexts {
		if text == a.text {
			return a.alert, true
		}
	}
	return 0, false
}

// notTLS: the backend answered the TLS handshake with something that is not
// a TLS record, typically plain HTTP.
func notTLS(err error) bool {
	_, ok := errors.AsType[tls.RecordHeaderError](err)
	return ok
}

// hostnameMismatch: the backend's certificate does not name the SAN the
// endpoint was registered with.
func hostnameMismatch(err error) bool {
	_, ok := errors.AsType[x509.HostnameError](err)
	return ok
}

// untrustedCert: the backend's certificate cannot be verified: unknown
// authority, expired or not yet valid, or otherwise invalid. A hostname
// mismatch is not counted here; check hostnameMismatch first.
func untrustedCert(err error) bool {
	if _, ok := errors.AsType[x509.UnknownAuthorityError](err); ok {
		return true
	}
	if _, ok := errors.AsType[x509.CertificateInvalidError](err); ok {
		return true
	}
	if _, ok := errors.AsType[x509.SystemRootsError](err); ok {
		return true
	}
	if _, ok := errors.AsType[x509.UnhandledCriticalExtension](err); ok {
		return true
	}
	// Verification failed for a reason without a type of its own (e.g. a
	// custom VerifyConnection); still the certificate's fault.
	_, ok := errors.AsType[*tls.CertificateVerificationError](err)
	return ok && !hostnameMismatch(err)
}

// clientCertRejected: the backend refused the router's client certificate.
func clientCertRejected(err error) bool {
	a, ok := remoteAlert(err)
	return ok && (a == alertBadCertificate || a == alertUnknownCA || a == alertCertificateRequired)
}

// handshakeFailure: the backend aborted the handshake with the generic
// handshake_failure alert (no common cipher suite, version, ...).
func handshakeFailure(err error) bool {
	a, ok := remoteAlert(err)
	return ok && a == alertHandshakeFailure
}

// handshakeTimeout: http.Transport's TLSHandshakeTimeout fired. Its error
// type is unexported, so it is known by being a timeout with this text.
func handshakeTimeout(err error) bool {
	for e := err; e != nil; e = errors.Unwrap(e) {
		if t, ok := e.(interface{ Timeout() bool }); ok && t.Timeout() && e.Error() == "net/http: TLS handshake timeout" {
			return true
		}
	}
	return false
}
