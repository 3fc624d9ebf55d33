package cfhttp

import (
	"net/http"
	"strings"
)

// W3C trace context (enable_w3c, §9.1). The router is a hop of the trace:
// it keeps an incoming trace id and flags and puts its own parent id in
// traceparent, and its entry in front of tracestate.

// w3cVendor is the router's tracestate key, after "<tenant>@" when
// w3c_tenant_id is set.
const w3cVendor = "gorouter"

// maxTracestate is the longest incoming tracestate the router carries on;
// gorouter drops longer ones rather than parse them.
const maxTracestate = 2048

// w3cHeaders sets traceparent and tracestate in h and returns the
// request's trace: tr (from B3) when it has one, else the incoming
// traceparent's, else a new one.
func w3cHeaders(h http.Header, tr trace, tenant string, newID, newSpan func() string) trace {
	key := w3cVendor
	if tenant != "" {
		key = tenant + "@" + w3cVendor
	}
	if tid, flags, ok := parseTraceparent(first(h, HeaderTraceparent)); ok {
		parent := newSpan()
		h[HeaderTraceparent] = []string{"00-" + tid + "-" + parent + "-" + flags}
		h[HeaderTracestate] = []string{nextTracestate(first(h, HeaderTracestate), key, parent)}
		if tr.traceID == "" {
			tr = continued(tid, parent, newID)
		}
		return tr
	}
	// A new trace: the old tracestate belonged to another trace (or to
	// none), so it goes.
	if tr.traceID == "" {
		tr = started(newID)
	}
	h[HeaderTraceparent] = []string{"00-" + pad32(tr.traceID) + "-" + tr.spanID + "-01"}
	h[HeaderTracestate] = []string{key + "=" + tr.spanID}
	return tr
}

// parseTraceparent reads "vv-<32 hex trace id>-<16 hex parent id>-ff",
// surrounding space and upper-case digits allowed as gorouter allows them,
// and returns the trace id and flags in lower case. Like gorouter it
// takes any version and any ids, zero ones included.
func parseTraceparent(v string) (traceID, flags string, ok bool) {
	v = strings.TrimSpace(v)
	if len(v) != 55 || v[2] != '-' || v[35] != '-' || v[52] != '-' {
		return "", "", false
	}
	upper := false
	for i := 0; i < len(v); i++ {
		switch c := v[i]; {
		case i == 2 || i == 35 || i == 52:
		case '0' <= c && c <= '9', 'a' <= c && c <= 'f':
		case 'A' <= c && c <= 'F':
			upper = true
		default:
			return "", "", false
		}
	}
	if upper {
		v = strings.ToLower(v) // ASCII only, checked above: same length
	}
	return v[3:35], v[53:55], true
}

// nextTracestate is tracestate with the router's entry key=parent in front
// and an older entry of the same key dropped. Entries are trimmed and
// joined by ",", ones without '=' dropped; a tracestate longer than
// maxTracestate is dropped whole.
func nextTracestate(old, key, parent string) string {
	var b strings.Builder
	b.Grow(len(key) + 1 + len(parent) + 1 + min(len(old), maxTracestate))
	b.WriteString(key)
	b.WriteByte('=')
	b.WriteString(parent)
	if len(old) > maxTracestate {
		return b.String()
	}
	for entry := range strings.SplitSeq(old, ",") {
		entry = strings.TrimSpace(entry)
		k, _, found := strings.Cut(entry, "=")
		if !found || k == key {
			continue
		}
		b.WriteByte(',')
		b.WriteString(entry)
	}
	return b.String()
}

// pad32 left-pads a 64-bit (16-digit) trace id from B3 to the 32 digits
// of a W3C trace id, as W3C says to carry a 64-bit id.
func pad32(tid string) string {
	if len(tid) >= 32 {
		return tid
	}
	return strings.Repeat("0", 32-len(tid)) + tid
}
