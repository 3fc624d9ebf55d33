package cfhttp

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"syscall"
	"testing"
	"time"
)

// A failure scenario against a real backend: the request and the error
// http.Transport returned for it.
type failure struct {
	req *http.Request
	err error
}

func dialRefused(t *testing.T) failure {
	req := newRequest(t, "GET", "http://"+closedPort(t)+"/", "")
	return failure{req, roundTrip(t, &http.Transport{}, req)}
}

func dialTimeout(t *testing.T) failure {
	// A deadline in the past makes the dialer time out at once, with the
	// error an endpoint_dial_timeout produces.
	d := &net.Dialer{Deadline: time.Now().Add(-time.Second)}
	req := newRequest(t, "GET", "http://"+closedPort(t)+"/", "")
	return failure{req, roundTrip(t, &http.Transport{DialContext: d.DialContext}, req)}
}

func plainBackendTLSClient(t *testing.T) failure {
	s := httptest.NewServer(http.HandlerFunc(ok200))
	t.Cleanup(s.Close)
	req := newRequest(t, "GET", "https://"+s.Listener.Addr().String()+"/", "")
	return failure{req, roundTrip(t, &http.Transport{TLSClientConfig: &tls.Config{ServerName: "good"}}, req)}
}

// tlsFailure sends a GET to a TLS backend with server config srv, from a
// client with config cli.
func tlsFailure(t *testing.T, cert tls.Certificate, srv, cli *tls.Config) failure {
	s := tlsBackend(t, cert, srv)
	req := newRequest(t, "GET", "https://"+s.Listener.Addr().String()+"/", "")
	return failure{req, roundTrip(t, &http.Transport{TLSClientConfig: cli}, req)}
}

func sanMismatch(t *testing.T) failure {
	ca := newCA(t)
	return tlsFailure(t, ca.leaf(t, "other", time.Now().Add(time.Hour)), nil,
		&tls.Config{RootCAs: ca.pool, ServerName: "expected"})
}

func unknownAuthority(t *testing.T) failure {
	ca, otherCA := newCA(t), newCA(t)
	return tlsFailure(t, ca.leaf(t, "good", time.Now().Add(time.Hour)), nil,
		&tls.Config{RootCAs: otherCA.pool, ServerName: "good"})
}

func expiredCert(t *testing.T) failure {
	ca := newCA(t)
	return tlsFailure(t, ca.leaf(t, "good", time.Now().Add(-time.Minute)), nil,
		&tls.Config{RootCAs: ca.pool, ServerName: "good"})
}

// clientCertMissing: a TLS 1.3 backend that requires a client certificate;
// the router presents none and hears "certificate required" (116) when it
// reads the response.
func clientCertMissing(t *testing.T) failure {
	ca := newCA(t)
	return tlsFailure(t, ca.leaf(t, "good", time.Now().Add(time.Hour)),
		&tls.Config{ClientAuth: tls.RequireAndVerifyClientCert, ClientCAs: ca.pool},
		&tls.Config{RootCAs: ca.pool, ServerName: "good"})
}

// clientCertUntrusted: a TLS 1.2 backend that does not trust the router's
// client certificate answers "unknown certificate authority" (48) during
// the handshake (Go backends; others send "bad certificate", 42).
func clientCertUntrusted(t *testing.T) failure {
	ca, otherCA := newCA(t), newCA(t)
	return tlsFailure(t, ca.leaf(t, "good", time.Now().Add(time.Hour)),
		&tls.Config{ClientAuth: tls.RequireAndVerifyClientCert, ClientCAs: ca.pool, MaxVersion: tls.VersionTLS12},
		&tls.Config{RootCAs: ca.pool, ServerName: "good", Certificates: []tls.Certificate{otherCA.leaf(t, "router", time.Now().Add(time.Hour))}})
}

// handshakeFailed: no cipher suite in common, the backend sends
// handshake_failure (40).
func handshakeFailed(t *testing.T) failure {
	ca := newCA(t)
	return tlsFailure(t, ca.leaf(t, "good", time.Now().Add(time.Hour)),
		&tls.Config{MaxVersion: tls.VersionTLS12, CipherSuites: []uint16{tls.TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256}},
		&tls.Config{RootCAs: ca.pool, ServerName: "good", MaxVersion: tls.VersionTLS12, CipherSuites: []uint16{tls.TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256}})
}

// handshakeTimedOut: the backend accepts and never says anything.
func handshakeTimedOut(t *testing.T) failure {
	addr := rawBackend(t, func(c net.Conn) { _, _ = io.Copy(io.Discard, c) })
	req := newRequest(t, "GET", "https://"+addr+"/", "")
	return failure{req, roundTrip(t, &http.Transport{TLSHandshakeTimeout: 50 * time.Millisecond}, req)}
}

// resetAfterRequest: the backend reads the whole request and resets the
// connection (§18 case 35).
func resetAfterRequest(method, body string) func(t *testing.T) failure {
	return func(t *testing.T) failure {
		addr := rawBackend(t, func(c net.Conn) {
			readRequest(c)
			_ = c.(*net.TCPConn).SetLinger(0) // close with RST
		})
		req := newRequest(t, method, "http://"+addr+"/", body)
		return failure{req, roundTrip(t, &http.Transport{}, req)}
	}
}

// closeAfterRequest: the backend reads the request and closes without an
// answer (§18 case 35, the GET half).
func closeAfterRequest(method, body string, header ...string) func(t *testing.T) failure {
	return func(t *testing.T) failure {
		addr := rawBackend(t, readRequest)
		req := newRequest(t, method, "http://"+addr+"/", body)
		for i := 0; i+1 < len(header); i += 2 {
			req.Header.Set(header[i], header[i+1])
		}
		return failure{req, roundTrip(t, &http.Transport{}, req)}
	}
}

// clientCancelled: the client goes away while the backend thinks.
func clientCancelled(t *testing.T) failure {
	addr := rawBackend(t, func(c net.Conn) { readRequest(c); _, _ = io.Copy(io.Discard, c) })
	ctx, cancel := context.WithCancel(t.Context())
	time.AfterFunc(50*time.Millisecond, cancel)
	req := newRequest(t, "GET", "http://"+addr+"/", "").WithContext(ctx)
	return failure{req, roundTrip(t, &http.Transport{}, req)}
}

// requestTimedOut: endpoint_timeout expires while the backend thinks.
func requestTimedOut(t *testing.T) failure {
	addr := rawBackend(t, func(c net.Conn) { readRequest(c); _, _ = io.Copy(io.Discard, c) })
	ctx, cancel := context.WithTimeout(t.Context(), 50*time.Millisecond)
	t.Cleanup(cancel)
	req := newRequest(t, "GET", "http://"+addr+"/", "").WithContext(ctx)
	return failure{req, roundTrip(t, &http.Transport{}, req)}
}

var broken = Class{Retriable: true, MarkFailed: true, RemoveTLS: true}

var failureCases = []struct {
	name           string
	produce        func(*testing.T) failure
	replayable     bool
	headersWritten bool
	class          Class
	status         int // of EndpointFailure with the client still there
}{
	{"dial refused", dialRefused, false, false, broken, 502},
	{"dial timeout", dialTimeout, false, false, broken, 502},
	{"plain HTTP backend on TLS endpoint", plainBackendTLSClient, false, false, broken, 525},
	{"SAN mismatch", sanMismatch, false, false, broken, 503},
	{"unknown authority", unknownAuthority, false, false, broken, 526},
	{"expired certificate", expiredCert, false, false, broken, 526},
	// In TLS 1.3 the alert comes after the request was written; still retriable.
	{"client certificate required", clientCertMissing, false, true, broken, 496},
	{"client certificate untrusted", clientCertUntrusted, false, false, broken, 496},
	{"handshake failure", handshakeFailed, false, false, broken, 525},
	{"TLS handshake timeout", handshakeTimedOut, false, false, broken, 502},
	{"reset while reading, POST", resetAfterRequest("POST", "payload"), false, true, Class{MarkFailed: true}, 502},
	{"reset while reading, GET", resetAfterRequest("GET", ""), false, true, Class{MarkFailed: true}, 502},
	{"reset before headers were written", resetAfterRequest("POST", "payload"), false, false, Class{Retriable: true, MarkFailed: true}, 502},
	{"EOF on GET", closeAfterRequest("GET", ""), false, true, Class{Retriable: true}, 502},
	{"EOF on HEAD", closeAfterRequest("HEAD", ""), false, true, Class{Retriable: true}, 502},
	{"EOF on POST", closeAfterRequest("POST", "payload"), false, true, Class{}, 502},
	{"EOF on POST, replayable body", closeAfterRequest("POST", "payload"), true, true, Class{}, 502},
	{"EOF on POST with Idempotency-Key, replayable", closeAfterRequest("POST", "payload", "Idempotency-Key", "k1"), true, true, Class{Retriable: true}, 502},
	{"EOF on PUT with X-Idempotency-Key, no body", closeAfterRequest("PUT", "", "X-Idempotency-Key", "k1"), false, true, Class{Retriable: true}, 502},
	{"EOF on POST with Idempotency-Key, body not replayable", closeAfterRequest("POST", "payload", "Idempotency-Key", "k1"), false, true, Class{}, 502},
	{"EOF on POST, headers incomplete", closeAfterRequest("POST", "payload"), false, false, Class{Retriable: true}, 502},
	{"client cancelled", clientCancelled, false, true, Class{}, 499},
	{"client cancelled before headers", clientCancelled, false, false, Class{}, 499},
	{"endpoint timeout", requestTimedOut, false, true, Class{}, 502},
}

func TestClassifyRealErrors(t *testing.T) {
	for _, tt := range failureCases {
		t.Run(tt.name, func(t *testing.T) {
			f := tt.produce(t)
			t.Logf("error: %v", f.err)
			if got := Classify(f.err, f.req, tt.replayable, tt.headersWritten); got != tt.class {
				t.Errorf("Classify = %+v, want %+v", got, tt.class)
			}
			e := EndpointFailure(f.err, false)
			if e.Status != tt.status {
				t.Errorf("EndpointFailure status %d, want %d (body %q)", e.Status, tt.status, e.Body())
			}
			if want := "endpoint_failure (" + f.err.Error() + ")"; e.RouterError != want {
				t.Errorf("RouterError %q, want %q", e.RouterError, want)
			}
		})
	}
}

// §18 case 34: the router error of a refused dial names the cause.
func TestDialRefusedText(t *testing.T) {
	f := dialRefused(t)
	if !errors.Is(f.err, syscall.ECONNREFUSED) {
		t.Fatalf("%v is not ECONNREFUSED", f.err)
	}
	e := EndpointFailure(f.err, false)
	if got, want := e.Body(), "502 Bad Gateway: Registered endpoint failed to handle the request.\n"; got != want {
		t.Errorf("body %q, want %q", got, want)
	}
	if re := e.RouterError; !strings.HasPrefix(re, "endpoint_failure (") || !strings.Contains(re, "connection refused") {
		t.Errorf("X-Cf-Routererror %q", re)
	}
}

// net/http hands a backend's silent close to the caller as io.EOF itself,
// which is what gorouter compares with (err == io.EOF).
func TestEOFIsBare(t *testing.T) {
	f := closeAfterRequest("GET", "")(t)
	if f.err != io.EOF {
		t.Errorf("got %#v, want io.EOF", f.err)
	}
}

func TestClassifyConstructed(t *testing.T) {
	get := newRequest(t, "GET", "http://app.test/", "")
	post := newRequest(t, "POST", "http://app.test/", "x")
	for _, tt := range []struct {
		name           string
		err            error
		req            *http.Request
		headersWritten bool
		want           Class
	}{
		{"nil error", nil, get, false, Class{}},
		{"bad certificate alert", errBadCert, post, true, broken},
		{"unknown CA alert", errCAUnknown, post, true, broken},
		{"certificate required alert", errCertReq, post, true, broken},
		{"handshake failure alert", errHandshake, post, true, broken},
		{"AlertError as QUIC wraps it", fmt.Errorf("handshake: %w", tls.AlertError(42)), post, true, broken},
		{"other alert, headers written", &net.OpError{Op: "remote error", Err: tls.AlertError(80)}, post, true, Class{}},
		{"other alert, before headers", &net.OpError{Op: "remote error", Err: tls.AlertError(80)}, post, false, Class{Retriable: true}},
		{"bare ECONNREFUSED", fmt.Errorf("custom dialer: %w", syscall.ECONNREFUSED), get, false, broken},
		{"bare EHOSTUNREACH", syscall.EHOSTUNREACH, get, false, broken},
		{"wrapped dial error", fmt.Errorf("attempt 2: %w", errRefused), get, false, broken},
		{"hostname error in a chain", fmt.Errorf("x: %w", errHostname), post, true, broken},
		{"expired", errExpired, post, true, broken},
		{"record header", errNotTLS, post, true, broken},
		{"cancelled dial", &net.OpError{Op: "dial", Err: context.Canceled}, get, false, Class{}},
		{"cancel joined with another error", errors.Join(errReset, context.Canceled), get, true, Class{}},
		{"reset on write is not reset on read", &net.OpError{Op: "write", Err: syscall.ECONNRESET}, post, true, Class{}},
		{"reset on read", errReset, post, true, Class{MarkFailed: true}},
		{"unexpected EOF on GET", fmt.Errorf("body: %w", io.ErrUnexpectedEOF), get, true, Class{Retriable: true}},
		{"EOF without request", io.EOF, nil, true, Class{}},
		{"unknown error after headers", errors.New("boom"), post, true, Class{}},
		{"unknown error before headers", errors.New("boom"), post, false, Class{Retriable: true}},
		{"dial error after the request's context ended", errRefused, doneRequest(t), false, Class{MarkFailed: true, RemoveTLS: true}},
		{"EOF after the request's context ended", io.EOF, doneRequest(t), false, Class{}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			if got := Classify(tt.err, tt.req, false, tt.headersWritten); got != tt.want {
				t.Errorf("Classify(%v) = %+v, want %+v", tt.err, got, tt.want)
			}
		})
	}
}

func TestIdempotent(t *testing.T) {
	for _, tt := range []struct {
		method string
		header http.Header
		want   bool
	}{
		{"GET", nil, true},
		{"", nil, true},
		{"HEAD", nil, true},
		{"OPTIONS", nil, true},
		{"TRACE", nil, true},
		{"POST", nil, false},
		{"PUT", nil, false},
		{"DELETE", nil, false},
		{"PATCH", nil, false},
		{"get", nil, false}, // methods are case-sensitive
		{"POST", http.Header{"Idempotency-Key": {"k"}}, true},
		{"POST", http.Header{"X-Idempotency-Key": {"k"}}, true},
		{"DELETE", http.Header{"Idempotency-Key": {"k"}}, true},
		// gorouter needs a value; a bare header does not count.
		{"POST", http.Header{"Idempotency-Key": {""}}, false},
		{"POST", http.Header{"X-Idempotency-Key": nil}, false},
		{"POST", http.Header{"Idempotency": {"k"}}, false},
	} {
		req := &http.Request{Method: tt.method, Header: tt.header}
		if got := Idempotent(req); got != tt.want {
			t.Errorf("Idempotent(%q, %v) = %v, want %v", tt.method, tt.header, got, tt.want)
		}
	}
	if Idempotent(nil) {
		t.Error("Idempotent(nil) = true")
	}
}

// doneRequest is a GET whose context has ended (endpoint_timeout spent).
func doneRequest(t *testing.T) *http.Request {
	ctx, cancel := context.WithTimeout(t.Context(), 0)
	t.Cleanup(cancel)
	return newRequest(t, "GET", "http://app.test/", "").WithContext(ctx)
}
