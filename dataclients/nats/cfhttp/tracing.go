package cfhttp

import (
	"crypto/rand"
	"encoding/hex"
	"net/http"
	"strings"
)

// Tracing is gorouter's trace-context configuration (§9.1): enable_zipkin
// adds B3 headers, enable_w3c the W3C traceparent and tracestate, with
// w3c_tenant_id in the tracestate key. With either on, the request id
// (X-Vcap-Request-Id) is derived from the trace id, so that a request can
// be found by either in the platform's logs.
type Tracing struct {
	Zipkin      bool
	W3C         bool
	W3CTenantID string
}

// Canonical names of the trace-context request headers.
const (
	HeaderB3             = "B3"
	HeaderB3TraceID      = "X-B3-Traceid"
	HeaderB3SpanID       = "X-B3-Spanid"
	HeaderB3ParentSpanID = "X-B3-Parentspanid"
	HeaderB3Sampled      = "X-B3-Sampled"
	HeaderB3Flags        = "X-B3-Flags"
	HeaderTraceparent    = "Traceparent"
	HeaderTracestate     = "Tracestate"
)

// RequestHeaders gives the request header h the trace-context headers the
// configuration asks for, in gorouter's order (B3, then W3C, which carries
// on B3's trace), and returns the request's X-Vcap-Request-Id: taken from
// the trace id when one came in that reads as a UUID, else a random one.
// With tracing off it only returns a random request id.
func (t Tracing) RequestHeaders(h http.Header) (requestID string) {
	return t.requestHeaders(h, NewRequestID, randomSpanID)
}

// requestHeaders is RequestHeaders with its random sources as arguments,
// so that tests can check exact values.
func (t Tracing) requestHeaders(h http.Header, newID, newSpan func() string) string {
	var tr trace
	if t.Zipkin {
		tr = b3Headers(h, newID)
	}
	if t.W3C {
		tr = w3cHeaders(h, tr, t.W3CTenantID, newID, newSpan)
	}
	if tr.requestID == "" {
		return newID()
	}
	return tr.requestID
}

// trace is what gorouter keeps of a request's trace: the trace and span
// ids the headers carry on and the request id derived from them. The zero
// value is "no trace yet".
type trace struct{ traceID, spanID, requestID string }

// continued is the trace of incoming ids: the request id is the trace id
// when it reads as a UUID, else random.
func continued(traceID, spanID string, newID func() string) trace {
	id, ok := uuidFromTraceID(traceID)
	if !ok {
		id = newID()
	}
	return trace{traceID: traceID, spanID: spanID, requestID: id}
}

// started is a new trace: the trace id is a new request id without its
// dashes, the span id the trace id's lower half, as zipkin-go makes a root
// span's id (gorouter uses it).
func started(newID func() string) trace {
	id := newID()
	tid := strings.ReplaceAll(id, "-", "")
	return trace{traceID: tid, spanID: tid[16:], requestID: id}
}

// uuidFromTraceID formats a trace id as a UUID (8-4-4-4-12) when gorouter
// accepts it as one: it inserts the dashes and parses the result with a
// library that wants exactly 32 lower-case hex digits and a version digit
// (the 13th) from 1 to 5. So a 64-bit B3 trace id never becomes the
// request id, and neither does a 128-bit one of version 0 or 6 and up.
func uuidFromTraceID(tid string) (string, bool) {
	if len(tid) != 32 || tid[12] < '1' || tid[12] > '5' || !allLowerHex(tid) {
		return "", false
	}
	return tid[0:8] + "-" + tid[8:12] + "-" + tid[12:16] + "-" + tid[16:20] + "-" + tid[20:], true
}

// allLowerHex reports whether s is all lower-case hex digits.
func allLowerHex(s string) bool {
	for i := 0; i < len(s); i++ {
		if !lowerHex[s[i]] {
			return false
		}
	}
	return true
}

// randomSpanID is a new span (or W3C parent) id: 16 random hex digits.
func randomSpanID() string {
	var b [8]byte
	_, _ = rand.Read(b[:]) // never fails since Go 1.24
	return hex.EncodeToString(b[:])
}

// first is the first value of the canonical header name k, "" for none.
func first(h http.Header, k string) string {
	if vs := h[k]; len(vs) > 0 {
		return vs[0]
	}
	return ""
}
