package cfhttp

import (
	"context"
	"errors"
	"net/http"
)

// badGatewayMessage is the body text for every backend failure that has no
// more specific row in §8.3.
const badGatewayMessage = "Registered endpoint failed to handle the request."

// EndpointFailure is the response for a request whose last attempt failed
// with err (§8.3); err is nil when no round trip happened at all. clientGone
// reports that the client's context is done: then the status is 499 for any
// error not about the backend's certificate, since nobody reads the answer
// and the access log must not blame the backend.
//
// X-Cf-Routererror carries the raw error text, which can reveal backend
// addresses; that is gorouter's behaviour and kept by default.
func EndpointFailure(err error, clientGone bool) Error {
	detail := "No endpoints available"
	if err != nil {
		detail = err.Error()
	}
	e := Error{RouterError: "endpoint_failure (" + detail + ")"}
	// The first matching row of §8.3 wins.
	switch {
	case err != nil && notTLS(err):
		e.Status = StatusSSLHandshakeFailed
	case err != nil && hostnameMismatch(err):
		e.Status = http.StatusServiceUnavailable
	case err != nil && untrustedCert(err):
		e.Status = StatusInvalidSSLCertificate
	case err != nil && clientCertRejected(err):
		e.Status = StatusSSLCertificateRequired
	case clientGone || errors.Is(err, context.Canceled):
		e.Status = StatusRequestCancelled
	case err != nil && handshakeFailure(err):
		e.Status = StatusSSLHandshakeFailed
	default:
		e.Status = http.StatusBadGateway
		e.Message = badGatewayMessage
	}
	return e
}

// EndpointFailureRedacted is EndpointFailure with X-Cf-Routererror reduced
// to "endpoint_failure", for operators who do not want backend addresses
// in responses (the EXT switch of §8.3). Status and body are unchanged.
func EndpointFailureRedacted(err error, clientGone bool) Error {
	e := EndpointFailure(err, clientGone)
	e.RouterError = "endpoint_failure"
	return e
}
