package gorouter

import (
	"errors"
	"net/http"
	"strings"
	"testing"

	"github.com/skiff-proxy/skiff/accesslog"
	"github.com/skiff-proxy/skiff/dataclients/nats"
	"github.com/skiff-proxy/skiff/filters/filtertest"
)

// A ';' in the request target (spec §9.2): one warning log line with the
// request id, the access log's router error "deprecated-semicolon-params"
// for a proxied request unless it has an earlier one, and nothing on the
// response.
func TestSemicolonWarning(t *testing.T) {
	for _, tc := range []struct {
		name    string
		target  string
		backend http.Header // the backend's response header
		failed  bool        // the attempt failed
		warn    bool
		field   string // the access log's x_cf_routererror
	}{
		{name: "in the query", target: "/?a=1;b=2", warn: true, field: "deprecated-semicolon-params"},
		{name: "in the path", target: "/a;jsessionid=1", warn: true, field: "deprecated-semicolon-params"},
		{name: "escaped is not one", target: "/?a=1%3Bb=2"},
		{name: "none", target: "/?a=1&b=2"},
		{name: "endpoint failure comes first", target: "/?a=1;b=2", failed: true, warn: true,
			field: "endpoint_failure (dial tcp 10.0.0.1:8080: connect: connection refused)"},
		{name: "backend's router error comes first", target: "/?a=1;b=2", backend: http.Header{"X-Cf-Routererror": {"from-app"}},
			warn: true, field: ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c, log := hdClient(t, nats.Options{})
			register(t, c, map[string]any{"host": "10.0.0.1", "port": 8080, "uris": []string{"s.test"}})
			r := hdRequest("http://s.test" + tc.target)
			r.RequestURI = tc.target
			var err error
			if tc.failed {
				err = errors.New("dial tcp 10.0.0.1:8080: connect: connection refused")
			}
			var rsp *http.Response
			if tc.backend != nil {
				rsp = &http.Response{StatusCode: 200, Header: tc.backend, Body: http.NoBody}
			}
			ctx := hdProxy(hdPoolFilter(t, c, "s.test"), r, "10.0.0.1:8080", rsp, err)
			if got := hdAccessLogField(ctx, accesslog.KeyRouterError); got != tc.field {
				t.Errorf("access log x_cf_routererror %q, want %q", got, tc.field)
			}
			if !tc.failed {
				if got := ctx.FResponse.Header.Values("X-Cf-Routererror"); len(got) != len(tc.backend["X-Cf-Routererror"]) {
					t.Errorf("response X-Cf-Routererror %q, want the backend's %q", got, tc.backend["X-Cf-Routererror"])
				}
			}
			lines := strings.Split(strings.TrimSpace(log.String()), "\n")
			if !tc.warn {
				if log.String() != "" {
					t.Errorf("logged %q", log.String())
				}
				return
			}
			id := r.Header.Get(headerRequestID)
			want := `level=warning msg=deprecated-semicolon-params host=s.test uri="` + tc.target + `" vcap_request_id=` + id
			if len(lines) != 1 || lines[0] != want {
				t.Errorf("logged %q, want one line %q", lines, want)
			}
		})
	}
}

// The router's own answers warn too (gorouter warns before its checks);
// their router error is the access log's.
func TestSemicolonWarningRouterAnswer(t *testing.T) {
	c, log := hdClient(t, nats.Options{})
	f, err := (&routerFilterSpec{c: c}).CreateFilter([]any{"unknown_route"})
	if err != nil {
		t.Fatal(err)
	}
	r := hdRequest("http://nope.test/?a;b")
	r.RequestURI = "/?a;b"
	ctx := filtertest.NewContext(r)
	f.Request(ctx)
	if got := hdAccessLogField(ctx, accesslog.KeyRouterError); got != "unknown_route" {
		t.Errorf("access log x_cf_routererror %q, want unknown_route", got)
	}
	if got, want := strings.TrimSpace(log.String()), `level=warning msg=deprecated-semicolon-params host=nope.test uri="/?a;b"`; got != want {
		t.Errorf("logged %q, want %q", got, want)
	}
}
