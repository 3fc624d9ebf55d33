package cfhttp

import (
	"net/http"
	"strconv"
	"strings"
)

// B3 propagation (enable_zipkin, §9.1). An incoming trace is kept: a valid
// single b3 header as it is, valid X-B3-TraceId and X-B3-SpanId with a b3
// header built from them. Otherwise the router starts a trace and sets all
// three.

// b3Context is a parsed B3 trace context.
type b3Context struct {
	high, low uint64 // trace id; high is 0 for a 64-bit one
	span      uint64
	parent    uint64
	hasParent bool
	// sampling is the sampling state: '0', '1', 'd' (debug), or 0 when
	// the sender left the decision to the receiver.
	sampling byte
}

// b3Headers applies B3 propagation to h and returns the trace it carries.
// A b3 header that only carries a sampling decision ("0", "1", "d") is
// kept, but has no ids for the request id or W3C to carry on: the zero
// trace is returned for it.
func b3Headers(h http.Header, newID func() string) trace {
	if v := first(h, HeaderB3); v != "" {
		if c, ok := parseB3Single(v); ok {
			if c.low == 0 && c.high == 0 {
				return trace{}
			}
			return continued(c.traceID(), hex16(c.span), newID)
		}
	}
	tid, sid := first(h, HeaderB3TraceID), first(h, HeaderB3SpanID)
	if tid != "" && sid != "" {
		c, ok := parseB3Multi(tid, sid, first(h, HeaderB3ParentSpanID), first(h, HeaderB3Sampled), first(h, HeaderB3Flags))
		if ok {
			h[HeaderB3] = []string{c.single()}
			return continued(c.traceID(), hex16(c.span), newID)
		}
	}
	tr := started(newID)
	h[HeaderB3TraceID] = []string{tr.traceID}
	h[HeaderB3SpanID] = []string{tr.spanID}
	h[HeaderB3] = []string{tr.traceID + "-" + tr.spanID}
	return tr
}

// parseB3Single parses the single b3 header:
// {traceid}-{spanid}[-{sampling}[-{parentspanid}]] with a trace id of 16
// or 32 hex digits and span ids of 16, or a lone sampling state.
func parseB3Single(v string) (b3Context, bool) {
	var c b3Context
	if len(v) == 1 {
		c.sampling = v[0]
		return c, validSampling(c.sampling)
	}
	parts := strings.SplitN(v, "-", 5)
	if len(parts) < 2 || len(parts) > 4 {
		return c, false
	}
	tid := parts[0]
	if len(tid) != 16 && len(tid) != 32 || len(parts[1]) != 16 {
		return c, false
	}
	var ok bool
	if c.high, c.low, ok = parseTraceID(tid); !ok {
		return c, false
	}
	if c.span, ok = parseHex64(parts[1]); !ok {
		return c, false
	}
	if len(parts) >= 3 {
		if len(parts[2]) != 1 || !validSampling(parts[2][0]) {
			return c, false
		}
		c.sampling = parts[2][0]
	}
	if len(parts) == 4 {
		if len(parts[3]) != 16 {
			return c, false
		}
		if c.parent, ok = parseHex64(parts[3]); !ok {
			return c, false
		}
		c.hasParent = true
	}
	return c, c.nonZero()
}

// parseB3Multi parses the X-B3-* headers as zipkin-go, which gorouter
// uses, does: hex ids of up to 32 (trace) and 16 digits in either case,
// X-B3-Sampled 0/1/true/false, X-B3-Flags 1 for debug (other values are
// ignored).
func parseB3Multi(tid, sid, parent, sampled, flags string) (b3Context, bool) {
	var c b3Context
	switch strings.ToLower(sampled) {
	case "0", "false":
		c.sampling = '0'
	case "1", "true":
		c.sampling = '1'
	case "":
	default:
		return c, false
	}
	if flags == "1" {
		c.sampling = 'd'
	}
	var ok bool
	if len(tid) > 32 {
		return c, false
	}
	if c.high, c.low, ok = parseTraceID(tid); !ok {
		return c, false
	}
	if c.span, ok = parseHex64(sid); !ok {
		return c, false
	}
	if parent != "" {
		if c.parent, ok = parseHex64(parent); !ok {
			return c, false
		}
		c.hasParent = true
	}
	return c, c.nonZero()
}

// nonZero: a trace or span id of zero is not an id (zipkin-go would build
// a b3 header without ids from it).
func (c b3Context) nonZero() bool { return (c.high != 0 || c.low != 0) && c.span != 0 }

// traceID is the trace id as zipkin-go prints it: 32 lower-case hex
// digits, or 16 when the upper half is zero.
func (c b3Context) traceID() string {
	if c.high == 0 {
		return hex16(c.low)
	}
	return hex16(c.high) + hex16(c.low)
}

// single is the b3 header of c. The parent id is only written after a
// sampling state: the single-header format has no place for it otherwise
// (zipkin-go writes it anyway, and then cannot parse its own header).
func (c b3Context) single() string {
	s := c.traceID() + "-" + hex16(c.span)
	if c.sampling == 0 {
		return s
	}
	s += "-" + string(c.sampling)
	if c.hasParent {
		s += "-" + hex16(c.parent)
	}
	return s
}

func validSampling(b byte) bool { return b == '0' || b == '1' || b == 'd' }

// parseTraceID splits a trace id of 1 to 32 hex digits into its halves:
// the last 16 digits are the lower one.
func parseTraceID(s string) (high, low uint64, ok bool) {
	if len(s) > 16 {
		if high, ok = parseHex64(s[:len(s)-16]); !ok {
			return 0, 0, false
		}
		s = s[len(s)-16:]
	}
	low, ok = parseHex64(s)
	return high, low, ok
}

// parseHex64 parses 1 to 16 hex digits, either case.
func parseHex64(s string) (uint64, bool) {
	if len(s) == 0 || len(s) > 16 {
		return 0, false
	}
	v, err := strconv.ParseUint(s, 16, 64)
	return v, err == nil
}

// hex16 is v as 16 lower-case hex digits.
func hex16(v uint64) string {
	var b [16]byte
	for i := 15; i >= 0; i-- {
		b[i] = hexDigits[v&0xf]
		v >>= 4
	}
	return string(b[:])
}
