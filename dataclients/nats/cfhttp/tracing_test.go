package cfhttp

import (
	"net/http"
	"regexp"
	"strings"
	"testing"
)

// Fixed "random" values: the request ids newID hands out in turn, and the
// span ids newSpan does.
var (
	testIDs   = []string{"0a1b2c3d-4e5f-4071-8293-a4b5c6d7e8f9", "99999999-8888-4777-a666-555555555555"}
	testSpans = []string{"5151515151515151", "6262626262626262"}
)

const (
	genTrace = "0a1b2c3d4e5f40718293a4b5c6d7e8f9" // testIDs[0] without dashes
	genSpan  = "8293a4b5c6d7e8f9"                 // its lower half
	// A 128-bit trace id that reads as a UUID (13th digit 4), and that UUID.
	inTrace = "463ac35c9f6413ad48485a3953bb6124"
	inUUID  = "463ac35c-9f64-13ad-4848-5a3953bb6124"
)

func TestTracingRequestHeaders(t *testing.T) {
	for _, tc := range []struct {
		name   string
		cfg    Tracing
		in     []string // header name, value pairs
		want   map[string]string
		absent []string
		id     string // request id
	}{
		{name: "off: random id, headers untouched", in: []string{"B3", "x"},
			want: map[string]string{"B3": "x"}, absent: []string{HeaderB3TraceID, HeaderTraceparent}, id: testIDs[0]},

		// B3
		{name: "b3 generated", cfg: Tracing{Zipkin: true},
			want:   map[string]string{HeaderB3TraceID: genTrace, HeaderB3SpanID: genSpan, "B3": genTrace + "-" + genSpan},
			absent: []string{HeaderTraceparent}, id: testIDs[0]},
		{name: "b3 single 128-bit kept, id from trace", cfg: Tracing{Zipkin: true},
			in:     []string{"B3", inTrace + "-e457b5a2e4d86bd1-1-05e3ac9a4f6e3b90"},
			want:   map[string]string{"B3": inTrace + "-e457b5a2e4d86bd1-1-05e3ac9a4f6e3b90"},
			absent: []string{HeaderB3TraceID, HeaderB3SpanID}, id: inUUID},
		{name: "b3 single 64-bit kept, random id", cfg: Tracing{Zipkin: true},
			in:   []string{"B3", "a3ce929d0e0e4736-00f067aa0ba902b7-d"},
			want: map[string]string{"B3": "a3ce929d0e0e4736-00f067aa0ba902b7-d"}, absent: []string{HeaderB3TraceID}, id: testIDs[0]},
		{name: "b3 sampling only kept", cfg: Tracing{Zipkin: true}, in: []string{"B3", "0"},
			want: map[string]string{"B3": "0"}, absent: []string{HeaderB3TraceID, HeaderB3SpanID}, id: testIDs[0]},
		{name: "b3 invalid, no pair: generated", cfg: Tracing{Zipkin: true}, in: []string{"B3", "nonsense"},
			want: map[string]string{HeaderB3TraceID: genTrace, HeaderB3SpanID: genSpan, "B3": genTrace + "-" + genSpan}, id: testIDs[0]},
		{name: "b3 invalid, pair valid: b3 rebuilt", cfg: Tracing{Zipkin: true},
			in:   []string{"B3", "nonsense", HeaderB3TraceID, inTrace, HeaderB3SpanID, "e457b5a2e4d86bd1"},
			want: map[string]string{"B3": inTrace + "-e457b5a2e4d86bd1", HeaderB3TraceID: inTrace, HeaderB3SpanID: "e457b5a2e4d86bd1"}, id: inUUID},
		{name: "pair with sampled and parent", cfg: Tracing{Zipkin: true},
			in:   []string{HeaderB3TraceID, inTrace, HeaderB3SpanID, "e457b5a2e4d86bd1", HeaderB3Sampled, "true", HeaderB3ParentSpanID, "05e3ac9a4f6e3b90"},
			want: map[string]string{"B3": inTrace + "-e457b5a2e4d86bd1-1-05e3ac9a4f6e3b90"}, id: inUUID},
		{name: "pair upper case, short span: normalised", cfg: Tracing{Zipkin: true},
			in:   []string{HeaderB3TraceID, strings.ToUpper(inTrace), HeaderB3SpanID, "ABC", HeaderB3Sampled, "0"},
			want: map[string]string{"B3": inTrace + "-0000000000000abc-0", HeaderB3TraceID: strings.ToUpper(inTrace)}, id: inUUID},
		{name: "pair with debug flag", cfg: Tracing{Zipkin: true},
			in:   []string{HeaderB3TraceID, "a3ce929d0e0e4736", HeaderB3SpanID, "00f067aa0ba902b7", HeaderB3Sampled, "1", HeaderB3Flags, "1"},
			want: map[string]string{"B3": "a3ce929d0e0e4736-00f067aa0ba902b7-d"}, id: testIDs[0]},
		{name: "pair parent without sampling: not in b3", cfg: Tracing{Zipkin: true},
			in:   []string{HeaderB3TraceID, "a3ce929d0e0e4736", HeaderB3SpanID, "00f067aa0ba902b7", HeaderB3ParentSpanID, "05e3ac9a4f6e3b90"},
			want: map[string]string{"B3": "a3ce929d0e0e4736-00f067aa0ba902b7"}, id: testIDs[0]},
		{name: "pair 128-bit with zero upper half prints 64 bits", cfg: Tracing{Zipkin: true},
			in:   []string{HeaderB3TraceID, "0000000000000000a3ce929d0e0e4736", HeaderB3SpanID, "00f067aa0ba902b7"},
			want: map[string]string{"B3": "a3ce929d0e0e4736-00f067aa0ba902b7"}, id: testIDs[0]},
		{name: "pair trace id of version 0: random id", cfg: Tracing{Zipkin: true},
			in:   []string{HeaderB3TraceID, "463ac35c9f6403ad48485a3953bb6124", HeaderB3SpanID, "00f067aa0ba902b7"},
			want: map[string]string{"B3": "463ac35c9f6403ad48485a3953bb6124-00f067aa0ba902b7"}, id: testIDs[0]},
		{name: "pair with bad span: generated", cfg: Tracing{Zipkin: true},
			in:   []string{HeaderB3TraceID, inTrace, HeaderB3SpanID, "xyz"},
			want: map[string]string{HeaderB3TraceID: genTrace, HeaderB3SpanID: genSpan, "B3": genTrace + "-" + genSpan}, id: testIDs[0]},
		{name: "pair with bad sampled: generated", cfg: Tracing{Zipkin: true},
			in:   []string{HeaderB3TraceID, inTrace, HeaderB3SpanID, "e457b5a2e4d86bd1", HeaderB3Sampled, "yes"},
			want: map[string]string{HeaderB3TraceID: genTrace, "B3": genTrace + "-" + genSpan}, id: testIDs[0]},
		{name: "trace id without span id: generated", cfg: Tracing{Zipkin: true},
			in:   []string{HeaderB3TraceID, inTrace},
			want: map[string]string{HeaderB3TraceID: genTrace, HeaderB3SpanID: genSpan}, id: testIDs[0]},
		{name: "zero span id: generated", cfg: Tracing{Zipkin: true},
			in:   []string{HeaderB3TraceID, inTrace, HeaderB3SpanID, "0000000000000000"},
			want: map[string]string{HeaderB3TraceID: genTrace, HeaderB3SpanID: genSpan}, id: testIDs[0]},

		// W3C
		{name: "traceparent generated", cfg: Tracing{W3C: true}, in: []string{HeaderTracestate, "a=1"},
			want:   map[string]string{HeaderTraceparent: "00-" + genTrace + "-" + genSpan + "-01", HeaderTracestate: "gorouter=" + genSpan},
			absent: []string{"B3", HeaderB3TraceID}, id: testIDs[0]},
		{name: "traceparent generated with tenant", cfg: Tracing{W3C: true, W3CTenantID: "t1"},
			want: map[string]string{HeaderTraceparent: "00-" + genTrace + "-" + genSpan + "-01", HeaderTracestate: "t1@gorouter=" + genSpan}, id: testIDs[0]},
		{name: "traceparent carried on", cfg: Tracing{W3C: true},
			in: []string{HeaderTraceparent, "00-" + inTrace + "-00f067aa0ba902b7-00", HeaderTracestate, "a=1, gorouter=old ,b=2,junk"},
			want: map[string]string{HeaderTraceparent: "00-" + inTrace + "-" + testSpans[0] + "-00",
				HeaderTracestate: "gorouter=" + testSpans[0] + ",a=1,b=2"}, id: inUUID},
		{name: "traceparent upper case, spaces, other version", cfg: Tracing{W3C: true, W3CTenantID: "t1"},
			in: []string{HeaderTraceparent, " FF-" + strings.ToUpper(inTrace) + "-00F067AA0BA902B7-03 ", HeaderTracestate, "gorouter=x,t1@gorouter=old"},
			want: map[string]string{HeaderTraceparent: "00-" + inTrace + "-" + testSpans[0] + "-03",
				HeaderTracestate: "t1@gorouter=" + testSpans[0] + ",gorouter=x"}, id: inUUID},
		{name: "traceparent with wrong separator: new trace", cfg: Tracing{W3C: true},
			in:   []string{HeaderTraceparent, "00_" + inTrace + "-00f067aa0ba902b7-01", HeaderTracestate, "a=1"},
			want: map[string]string{HeaderTraceparent: "00-" + genTrace + "-" + genSpan + "-01", HeaderTracestate: "gorouter=" + genSpan}, id: testIDs[0]},
		{name: "traceparent with non-hex id: new trace", cfg: Tracing{W3C: true},
			in:   []string{HeaderTraceparent, "00-" + inTrace[:31] + "g-00f067aa0ba902b7-01"},
			want: map[string]string{HeaderTraceparent: "00-" + genTrace + "-" + genSpan + "-01"}, id: testIDs[0]},
		{name: "tracestate too long is dropped", cfg: Tracing{W3C: true},
			in:   []string{HeaderTraceparent, "00-" + inTrace + "-00f067aa0ba902b7-01", HeaderTracestate, "a=" + strings.Repeat("x", 2047)},
			want: map[string]string{HeaderTracestate: "gorouter=" + testSpans[0]}, id: inUUID},
		{name: "tracestate of 2048 bytes is kept", cfg: Tracing{W3C: true},
			in:   []string{HeaderTraceparent, "00-" + inTrace + "-00f067aa0ba902b7-01", HeaderTracestate, "a=" + strings.Repeat("x", 2046)},
			want: map[string]string{HeaderTracestate: "gorouter=" + testSpans[0] + ",a=" + strings.Repeat("x", 2046)}, id: inUUID},

		// Both: W3C carries on B3's trace.
		{name: "both generated: one trace", cfg: Tracing{Zipkin: true, W3C: true},
			want: map[string]string{"B3": genTrace + "-" + genSpan, HeaderTraceparent: "00-" + genTrace + "-" + genSpan + "-01",
				HeaderTracestate: "gorouter=" + genSpan}, id: testIDs[0]},
		{name: "b3 in, no traceparent: b3's trace, 64 bits padded", cfg: Tracing{Zipkin: true, W3C: true},
			in: []string{"B3", "a3ce929d0e0e4736-00f067aa0ba902b7"},
			want: map[string]string{"B3": "a3ce929d0e0e4736-00f067aa0ba902b7",
				HeaderTraceparent: "00-0000000000000000a3ce929d0e0e4736-00f067aa0ba902b7-01", HeaderTracestate: "gorouter=00f067aa0ba902b7"},
			id: testIDs[0]},
		{name: "b3 and traceparent in: each kept, id from b3", cfg: Tracing{Zipkin: true, W3C: true},
			in: []string{"B3", inTrace + "-00f067aa0ba902b7", HeaderTraceparent, "00-" + genTrace + "-1111111111111111-01"},
			want: map[string]string{"B3": inTrace + "-00f067aa0ba902b7",
				HeaderTraceparent: "00-" + genTrace + "-" + testSpans[0] + "-01"}, id: inUUID},
		{name: "b3 sampling only, traceparent in: id from traceparent", cfg: Tracing{Zipkin: true, W3C: true},
			in:   []string{"B3", "1", HeaderTraceparent, "00-" + inTrace + "-1111111111111111-01"},
			want: map[string]string{"B3": "1", HeaderTraceparent: "00-" + inTrace + "-" + testSpans[0] + "-01"}, id: inUUID},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h := http.Header{}
			for i := 0; i+1 < len(tc.in); i += 2 {
				h.Set(tc.in[i], tc.in[i+1])
			}
			ids, spans := 0, 0
			newID := func() string { ids++; return testIDs[ids-1] }
			newSpan := func() string { spans++; return testSpans[spans-1] }
			if id := tc.cfg.requestHeaders(h, newID, newSpan); id != tc.id {
				t.Errorf("request id %q, want %q", id, tc.id)
			}
			if ids > 1 || spans > 1 {
				t.Errorf("%d request ids and %d span ids made, want one at most", ids, spans)
			}
			for k, v := range tc.want {
				if got := h.Values(k); len(got) != 1 || got[0] != v {
					t.Errorf("%s: %q, want %q", k, got, v)
				}
			}
			for _, k := range tc.absent {
				if got, ok := h[http.CanonicalHeaderKey(k)]; ok {
					t.Errorf("%s: %q, want none", k, got)
				}
			}
		})
	}
}

func TestUUIDFromTraceID(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{inTrace, inUUID},
		{"463ac35c9f6453ad48485a3953bb6124", "463ac35c-9f64-53ad-4848-5a3953bb6124"}, // version 5
		{"463ac35c9f6463ad48485a3953bb6124", ""},                                     // version 6
		{"463ac35c9f6403ad48485a3953bb6124", ""},                                     // version 0
		{strings.ToUpper(inTrace), ""},                                               // gorouter's parser wants lower case
		{inTrace[:31], ""},                                                           // 31 digits
		{inTrace + "0", ""},                                                          // 33 digits
		{"463ac35c9f6413ad48485a3953bb612g", ""},                                     // not hex
		{"a3ce929d0e0e4736", ""},                                                     // 64 bits
	} {
		got, ok := uuidFromTraceID(tc.in)
		if got != tc.want || ok != (tc.want != "") {
			t.Errorf("uuidFromTraceID(%q) = %q, %v; want %q", tc.in, got, ok, tc.want)
		}
	}
}

// The exported entry point uses real randomness: fresh ids of the right
// shape each time, and a trace id that is the request id.
func TestTracingRandom(t *testing.T) {
	span := regexp.MustCompile(`^00-([0-9a-f]{32})-([0-9a-f]{16})-01$`)
	h := http.Header{}
	id := Tracing{Zipkin: true, W3C: true}.RequestHeaders(h)
	m := span.FindStringSubmatch(h.Get(HeaderTraceparent))
	if m == nil || m[1] != strings.ReplaceAll(id, "-", "") || h.Get(HeaderB3SpanID) != m[2] {
		t.Fatalf("id %q, headers %v", id, h)
	}
	h2 := http.Header{HeaderTraceparent: {h.Get(HeaderTraceparent)}}
	if id2 := (Tracing{W3C: true}).RequestHeaders(h2); id2 != id {
		t.Errorf("carried-on trace: id %q, want %q", id2, id)
	}
	m2 := span.FindStringSubmatch(h2.Get(HeaderTraceparent))
	if m2 == nil || m2[1] != m[1] || m2[2] == m[2] {
		t.Errorf("carried-on traceparent %q after %q: want the same trace and a new parent id", h2.Get(HeaderTraceparent), h.Get(HeaderTraceparent))
	}
}

// Which single b3 headers are kept (valid) and which are replaced.
func TestParseB3Single(t *testing.T) {
	const tid, sid = "a3ce929d0e0e4736", "00f067aa0ba902b7"
	for _, tc := range []struct {
		in string
		ok bool
	}{
		{tid + "-" + sid, true},
		{inTrace + "-" + sid, true},
		{tid + "-" + sid + "-1", true},
		{tid + "-" + sid + "-d-" + sid, true},
		{strings.ToUpper(tid) + "-" + sid, true},
		{"1", true}, {"0", true}, {"d", true},
		{"x", false},
		{tid, false},                         // trace id alone
		{tid + "-" + sid + "-", false},       // empty sampling
		{tid + "-" + sid + "-2", false},      // unknown sampling
		{tid + "-" + sid + "-" + sid, false}, // parent without sampling
		{tid + "-" + sid + "-1-" + sid + "-1", false},
		{tid[1:] + "-" + sid, false}, // 15-digit trace id
		{tid + "-" + sid[1:], false}, // 15-digit span id
		{tid + "-" + sid + "-1-" + sid[1:], false},
		{"0000000000000000-" + sid, false}, // zero trace id
		{tid + "-0000000000000000", false}, // zero span id
		{"g3ce929d0e0e4736-" + sid, false},
	} {
		if _, ok := parseB3Single(tc.in); ok != tc.ok {
			t.Errorf("parseB3Single(%q) ok = %v, want %v", tc.in, ok, tc.ok)
		}
	}
}
