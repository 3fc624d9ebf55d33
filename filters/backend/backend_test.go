package backend

import (
	"net/http/httptest"
	"reflect"
	"testing"
	"time"

	"github.com/skiff-proxy/skiff/filters"
	"github.com/skiff-proxy/skiff/filters/filtertest"
)

func spec(t testing.TB, name string) filters.Spec {
	t.Helper()
	return filtertest.Spec(t, Specs(), name)
}

// run creates the filter, runs both phases on a fresh request and returns
// the state bag.
func run(t *testing.T, name string, hdr map[string]string, args ...any) map[string]any {
	t.Helper()
	r := httptest.NewRequest("GET", "/", nil)
	for k, v := range hdr {
		r.Header.Set(k, v)
	}
	ctx := filtertest.NewContext(r)
	ctx.FParams["id"] = "7"
	f := filtertest.Create(t, spec(t, name), args...)
	f.Request(ctx)
	f.Response(ctx)
	return ctx.FStateBag
}

func TestStateBagFilters(t *testing.T) {
	for _, tc := range []struct {
		name   string
		filter string
		args   []any
		hdr    map[string]string
		want   map[string]any
	}{
		{"url", "setDynamicBackendUrl", []any{"https://b.org:8443/x"}, nil, map[string]any{filters.DynamicBackendURL: "https://b.org:8443/x"}},
		{"host", "setDynamicBackendHost", []any{"b.org:8080"}, nil, map[string]any{filters.DynamicBackendHost: "b.org:8080"}},
		{"scheme", "setDynamicBackendScheme", []any{"https"}, nil, map[string]any{filters.DynamicBackendScheme: "https"}},
		{"url from header", "setDynamicBackendUrlFromHeader", []any{"x-target"}, map[string]string{"X-Target": "http://t"}, map[string]any{filters.DynamicBackendURL: "http://t"}},
		{"host from header absent", "setDynamicBackendHostFromHeader", []any{"X-Target"}, nil, map[string]any{}},
		{"scheme from header", "setDynamicBackendSchemeFromHeader", []any{"X-S"}, map[string]string{"X-S": "http"}, map[string]any{filters.DynamicBackendScheme: "http"}},
		{"hash key", "consistentHashKey", []any{"${request.header.X-User}/${id}"}, map[string]string{"X-User": "u"}, map[string]any{filters.ConsistentHashKey: "u/7"}},
		{"hash key incomplete", "consistentHashKey", []any{"${request.header.X-User}/${id}"}, nil, map[string]any{}},
		{"hash key static", "consistentHashKey", []any{"fixed"}, nil, map[string]any{filters.ConsistentHashKey: "fixed"}},
		{"balance factor", "consistentHashBalanceFactor", []any{1.25}, nil, map[string]any{filters.ConsistentHashBalance: 1.25}},
		{"balance factor int", "consistentHashBalanceFactor", []any{2}, nil, map[string]any{filters.ConsistentHashBalance: 2.0}},
		{"accessLogDisabled true", "accessLogDisabled", []any{"true"}, nil, map[string]any{filters.AccessLogEnabled: &AccessLog{Enable: false}}},
		{"accessLogDisabled false", "accessLogDisabled", []any{"false"}, nil, map[string]any{filters.AccessLogEnabled: &AccessLog{Enable: true}}},
		{"enableAccessLog", "enableAccessLog", nil, nil, map[string]any{filters.AccessLogEnabled: &AccessLog{Enable: true}}},
		{"disableAccessLog prefixes", "disableAccessLog", []any{2.0, 40.0, 503.0}, nil, map[string]any{filters.AccessLogEnabled: &AccessLog{Prefixes: []int{2, 40, 503}}}},
		{"fadeIn is a no-op per request", "fadeIn", []any{"3m"}, nil, map[string]any{}},
		{"endpointCreated is a no-op per request", "endpointCreated", []any{"http://a", 1.0}, nil, map[string]any{}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := run(t, tc.filter, tc.hdr, tc.args...); !reflect.DeepEqual(got, tc.want) {
				t.Errorf("state bag %#v, want %#v", got, tc.want)
			}
		})
	}
}

func TestAccessLogLogs(t *testing.T) {
	for _, tc := range []struct {
		a      AccessLog
		status int
		want   bool
	}{
		{AccessLog{Enable: true}, 500, true},
		{AccessLog{Enable: false}, 200, false},
		{AccessLog{Enable: false, Prefixes: []int{2}}, 204, false},
		{AccessLog{Enable: false, Prefixes: []int{2}}, 404, true},
		{AccessLog{Enable: false, Prefixes: []int{40}}, 404, false},
		{AccessLog{Enable: false, Prefixes: []int{40}}, 410, true},
		{AccessLog{Enable: true, Prefixes: []int{5, 404}}, 404, true},
		{AccessLog{Enable: true, Prefixes: []int{5, 404}}, 503, true},
		{AccessLog{Enable: true, Prefixes: []int{5, 404}}, 200, false},
	} {
		if got := tc.a.AccessLogEnabled(tc.status); got != tc.want {
			t.Errorf("%+v.AccessLogEnabled(%d) = %v", tc.a, tc.status, got)
		}
	}
}

func TestFadeIn(t *testing.T) {
	for _, tc := range []struct {
		args []any
		want FadeIn
	}{
		{[]any{"3m"}, FadeIn{3 * time.Minute, 1}},
		{[]any{"30s", 1.5}, FadeIn{30 * time.Second, 1.5}},
		{[]any{1500.0}, FadeIn{1500 * time.Millisecond, 1}},
		{[]any{time.Minute, 2}, FadeIn{time.Minute, 2}},
	} {
		f, ok := filtertest.Create(t, spec(t, "fadeIn"), tc.args...).(*FadeIn)
		if !ok || *f != tc.want {
			t.Errorf("fadeIn%v = %+v, want %+v", tc.args, f, tc.want)
		}
	}
}

func TestEndpointCreated(t *testing.T) {
	for _, tc := range []struct {
		args []any
		want EndpointCreated
	}{
		{[]any{"http://10.0.0.1", "2024-01-02T03:04:05Z"}, EndpointCreated{"http://10.0.0.1:80", time.Date(2024, 1, 2, 3, 4, 5, 0, time.UTC)}},
		{[]any{"HTTPS://Host.Example:8443/p", 1700000000.0}, EndpointCreated{"https://host.example:8443", time.Unix(1700000000, 0)}},
		{[]any{"https://[::1]", 1.5}, EndpointCreated{"https://[::1]:443", time.Unix(1, 5e8)}},
		{[]any{"H2C://B:0080", 1.0}, EndpointCreated{"h2c://b:80", time.Unix(1, 0)}},
	} {
		f, ok := filtertest.Create(t, spec(t, "endpointCreated"), tc.args...).(*EndpointCreated)
		if !ok || f.Address != tc.want.Address || !f.When.Equal(tc.want.When) {
			t.Errorf("endpointCreated%v = %+v, want %+v", tc.args, f, tc.want)
		}
	}
}

func TestNoAllocs(t *testing.T) {
	ctx := filtertest.NewContext(httptest.NewRequest("GET", "/", nil))
	for _, tc := range [][]any{{"setDynamicBackendUrl", "http://a"}, {"accessLogDisabled", "true"}, {"consistentHashBalanceFactor", 1.5}} {
		f := filtertest.Create(t, spec(t, tc[0].(string)), tc[1:]...)
		f.Request(ctx)
		if n := testing.AllocsPerRun(100, func() { f.Request(ctx) }); n != 0 {
			t.Errorf("%s: %v allocs", tc[0], n)
		}
	}
}

func TestBadArgs(t *testing.T) {
	for _, tc := range []struct {
		filter string
		args   []any
		want   string
	}{
		{"setDynamicBackendUrl", nil, "want 1 argument(s), got 0"},
		{"setDynamicBackendUrl", []any{"/relative"}, `argument 1 (target): backend address "/relative": missing scheme (want scheme://host[:port] with scheme http, https or h2c)`},
		{"setDynamicBackendUrl", []any{"ftp://x"}, `argument 1 (target): backend address "ftp://x": unsupported scheme "ftp" (want http, https or h2c)`},
		{"setDynamicBackendUrl", []any{"http://u:pw@x"}, `backend address "http://u:xxxxx@x": user information not allowed`},
		{"setDynamicBackendUrl", []any{""}, "must not be empty"},
		{"setDynamicBackendHost", []any{"a/b"}, `argument 1 (target) "a/b": want host or host:port`},
		{"setDynamicBackendHost", []any{"a:99999"}, "want host or host:port"},
		{"setDynamicBackendHost", []any{"::1"}, "want host or host:port"},
		{"setDynamicBackendScheme", []any{"ht tp"}, `argument 1 (target) "ht tp": want http, https or h2c`},
		{"setDynamicBackendScheme", []any{"ftp"}, "want http, https or h2c"},
		{"setDynamicBackendScheme", []any{"wss"}, "want http, https or h2c"},
		{"setDynamicBackendScheme", []any{1.0}, "must be a string"},
		{"setDynamicBackendUrlFromHeader", []any{"a b"}, "not a valid header name"},
		{"accessLogDisabled", []any{"yes"}, `must be "true" or "false"`},
		{"accessLogDisabled", nil, "want 1"},
		{"enableAccessLog", []any{"2xx"}, "argument 1 (status prefix) must be an integer"},
		{"disableAccessLog", []any{2.0, 1000.0}, "argument 2 (status prefix) must be 1-999"},
		{"fadeIn", nil, "want 1 to 2 arguments"},
		{"fadeIn", []any{"3m", 1.0, 2.0}, "want 1 to 2 arguments"},
		{"fadeIn", []any{"later"}, "argument 1 (duration)"},
		{"fadeIn", []any{"-1s"}, "must not be negative"},
		{"fadeIn", []any{"1m", "2"}, "argument 2 (exponent)"},
		{"fadeIn", []any{"1m", 0.0}, "argument 2 (exponent)"},
		{"endpointCreated", []any{"http://a"}, "want 2 argument(s)"},
		{"endpointCreated", []any{"a:80", 1.0}, `argument 1 (address): backend address "a:80": missing scheme`},
		{"endpointCreated", []any{"fastcgi://a", 1.0}, `argument 1 (address): backend address "fastcgi://a": unsupported scheme "fastcgi" (want http, https or h2c)`},
		{"endpointCreated", []any{"http://a", "yesterday"}, "argument 2 (time) \"yesterday\" is not RFC 3339"},
		{"endpointCreated", []any{"http://a", true}, "argument 2 (time) must be"},
		{"consistentHashKey", []any{""}, "argument 1 (key template) must not be empty"},
		{"consistentHashKey", []any{"a", "b"}, "want 1"},
		{"consistentHashBalanceFactor", []any{0.5}, "must be a number >= 1"},
		{"consistentHashBalanceFactor", []any{"2"}, "must be a number >= 1"},
	} {
		filtertest.CreateFails(t, spec(t, tc.filter), tc.args, tc.want)
	}
}

// accessLogSwitch mirrors the interface the proxy looks for in the state bag.
type accessLogSwitch interface{ AccessLogEnabled(status int) bool }

var _ accessLogSwitch = (*AccessLog)(nil)
