package gorouter

import (
	"regexp"
	"testing"

	"github.com/skiff-proxy/skiff/accesslog"
	"github.com/skiff-proxy/skiff/dataclients/nats"
)

// The pool filter gives requests the trace headers of the options (the
// rules are cfhttp's, tested there) and uses the trace's request id as
// X-Vcap-Request-Id: towards the backend, on the response and in the
// access log.
func TestPoolFilterTracing(t *testing.T) {
	const (
		trace = "463ac35c9f6413ad48485a3953bb6124"
		uuid  = "463ac35c-9f64-13ad-4848-5a3953bb6124"
		b3    = trace + "-e457b5a2e4d86bd1-1"
	)
	anyID := regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`)
	for _, tc := range []struct {
		name        string
		o           nats.Options
		b3          string // incoming b3 header
		id          string // X-Vcap-Request-Id; "" for a random one
		traceparent *regexp.Regexp
	}{
		{name: "off: b3 ignored", b3: b3},
		{name: "zipkin: id from b3", o: nats.Options{Zipkin: true}, b3: b3, id: uuid},
		{name: "w3c: b3 ignored, new trace", o: nats.Options{W3C: true}, b3: b3,
			traceparent: regexp.MustCompile(`^00-[0-9a-f]{32}-[0-9a-f]{16}-01$`)},
		{name: "both: traceparent carries b3's trace", o: nats.Options{Zipkin: true, W3C: true, W3CTenantID: "t"}, b3: b3, id: uuid,
			traceparent: regexp.MustCompile(`^00-` + trace + `-e457b5a2e4d86bd1-01$`)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := newClient(t, tc.o)
			register(t, c, map[string]any{"host": "10.0.0.1", "port": 8080, "uris": []string{"t.test"}})
			r := hdRequest("http://t.test/", "B3", tc.b3)
			ctx := hdProxy(hdPoolFilter(t, c, "t.test"), r, "10.0.0.1:8080", nil, nil)
			sent := r.Header.Get(headerRequestID)
			if tc.id != "" && sent != tc.id || tc.id == "" && !anyID.MatchString(sent) {
				t.Errorf("X-Vcap-Request-Id to the backend %q, want %q", sent, tc.id)
			}
			if got := ctx.FResponse.Header.Get(headerRequestID); got != sent {
				t.Errorf("X-Vcap-Request-Id on the response %q, want %q", got, sent)
			}
			if got := hdAccessLogField(ctx, accesslog.KeyRequestID); got != sent {
				t.Errorf("access log vcap_request_id %q, want %q", got, sent)
			}
			if got := r.Header.Get("B3"); got != tc.b3 {
				t.Errorf("b3 %q, want %q kept", got, tc.b3)
			}
			tp := r.Header.Get("Traceparent")
			if tc.traceparent == nil && tp != "" || tc.traceparent != nil && !tc.traceparent.MatchString(tp) {
				t.Errorf("traceparent %q, want %v", tp, tc.traceparent)
			}
		})
	}
}
