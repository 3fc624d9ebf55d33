package logging

import (
	"encoding/base64"
	"io"
	"net/http"
	"net/http/httptest"
	"reflect"
	"strings"
	"testing"

	"github.com/skiff-proxy/skiff/accesslog"
	"github.com/skiff-proxy/skiff/filters"
	"github.com/skiff-proxy/skiff/filters/filtertest"
)

func spec(t testing.TB, name string) filters.Spec {
	t.Helper()
	return filtertest.Spec(t, Specs(Options{MaxAuditBody: 8}), name)
}

func TestSpecNames(t *testing.T) {
	var names []string
	for _, s := range Specs(Options{}) {
		names = append(names, s.Name())
	}
	want := []string{"logHeader", "logBody", "auditLog", "unverifiedAuditLog", "maskAccessLogQuery"}
	if !reflect.DeepEqual(names, want) {
		t.Fatalf("got %v", names)
	}
}

func TestLogHeader(t *testing.T) {
	const (
		req = "info: GET /p HTTP/1.1\r\nHost: example.org\r\nAuthorization: TRUNCATED\r\n" +
			"Proxy-Authorization: TRUNCATED\r\nX-A: 1 2\r\nX-B: b\r\n\r\n"
		rsp = "info: Response for GET /p HTTP/1.1\r\n201 Created\r\nContent-Type: text/plain\r\nX-R: r\r\n\r\n"
	)
	for _, tc := range []struct {
		args   []any
		status string
		want   []string
	}{
		{nil, "201 Created", []string{req}},
		{[]any{"request"}, "201 Created", []string{req}},
		{[]any{"response"}, "201 Created", []string{rsp}},
		{[]any{"request", "response"}, "201 Created", []string{req, rsp}},
		{[]any{"Response", "REQUEST"}, "201 Created", []string{req, rsp}},
		{[]any{"response"}, "", []string{rsp}}, // no status text: built from the code
		{[]any{"headers"}, "201 Created", nil}, // skipper ignores other words
	} {
		r := httptest.NewRequest("GET", "http://example.org/p?secret=1", nil)
		r.Header = http.Header{"X-B": {"b"}, "X-A": {"1", "2"}, "Authorization": {"Bearer t"}, "Proxy-Authorization": {"Basic x"}}
		ctx := filtertest.NewContext(r)
		f := filtertest.Create(t, spec(t, "logHeader"), tc.args...)
		f.Request(ctx)
		f.Response(ctx) // nil response: nothing
		ctx.FResponse = &http.Response{StatusCode: 201, Status: tc.status,
			Header: http.Header{"X-R": {"r"}, "Content-Type": {"text/plain"}}}
		f.Response(ctx)
		if !reflect.DeepEqual(ctx.Log, tc.want) {
			t.Errorf("%v: log\n%q\nwant\n%q", tc.args, ctx.Log, tc.want)
		}
	}
}

// threeBytes is a body that gives at most three bytes per Read.
type threeBytes struct{ r io.Reader }

func (t threeBytes) Read(p []byte) (int, error) { return t.r.Read(p[:min(len(p), 3)]) }
func (threeBytes) Close() error                 { return nil }

func TestLogBody(t *testing.T) {
	for _, tc := range []struct {
		name     string
		args     []any
		flow     string
		response bool
		want     []string
	}{
		{name: "request", args: []any{"request", 5.0}, flow: "f1",
			want: []string{`info: logBody("request") f1: "hel"`, `info: logBody("request") f1: "lo"`}},
		{name: "request all", args: []any{"request", 1024.0},
			want: []string{`info: logBody("request") : "hel"`, `info: logBody("request") : "lo "`,
				`info: logBody("request") : "wor"`, `info: logBody("request") : "ld\n"`}},
		{name: "response", args: []any{"response", 4}, flow: "f2", response: true,
			want: []string{`info: logBody("response") f2: "hel"`, `info: logBody("response") f2: "l"`}},
		{name: "limit 0", args: []any{"request", 0.0}},
		{name: "negative limit", args: []any{"response", -1.0}, response: true},
		{name: "request only", args: []any{"request", 5.0}, response: true},
		{name: "response only", args: []any{"response", 5.0}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			const body = "hello world\n"
			r := httptest.NewRequest("POST", "/", nil)
			if !tc.response {
				r.Body = threeBytes{strings.NewReader(body)}
			}
			if tc.flow != "" {
				r.Header.Set("X-Flow-Id", tc.flow)
			}
			ctx := filtertest.NewContext(r)
			f := filtertest.Create(t, spec(t, "logBody"), tc.args...)
			f.Request(ctx)
			if tc.response {
				ctx.FResponse = &http.Response{StatusCode: 200, Header: http.Header{}, Body: threeBytes{strings.NewReader(body)}}
			} else {
				ctx.FResponse = &http.Response{StatusCode: 200, Header: http.Header{}, Body: http.NoBody}
			}
			f.Response(ctx)
			ctx.End() // the body is read after the filter returned
			rc := r.Body
			if tc.response {
				rc = ctx.FResponse.Body
			}
			got, err := io.ReadAll(rc)
			if err != nil || string(got) != body {
				t.Errorf("body %q, %v", got, err)
			}
			rc.Close()
			if !reflect.DeepEqual(ctx.Log, tc.want) {
				t.Errorf("log\n%q\nwant\n%q", ctx.Log, tc.want)
			}
		})
	}
}

func TestLogBodyWithoutBody(t *testing.T) {
	for _, which := range []string{"request", "response"} {
		r := httptest.NewRequest("GET", "/", nil)
		ctx := filtertest.NewContext(r)
		f := filtertest.Create(t, spec(t, "logBody"), which, 10.0)
		f.Request(ctx)
		f.Response(ctx) // nil response
		ctx.FResponse = &http.Response{StatusCode: 200}
		f.Response(ctx) // nil body
		if r.Body != http.NoBody || ctx.FResponse.Body != nil || len(ctx.Log) != 0 {
			t.Errorf("%s: bodies %v %v, log %q", which, r.Body, ctx.FResponse.Body, ctx.Log)
		}
	}
}

func TestAuditLog(t *testing.T) {
	for _, tc := range []struct {
		name    string
		max     int
		body    string
		read    int // bytes of the request body the backend reads; -1 all
		rsp     *http.Response
		bag     map[string]any
		want    string
		wrapped bool
	}{
		{name: "body cut", max: 8, body: `{"name":"jo"}`, read: -1, rsp: &http.Response{StatusCode: 201},
			want: `{"method":"POST","path":"/api/users","status":201,"requestBody":"{\"name\":"}`, wrapped: true},
		{name: "body shorter", max: 1024, body: `a=1`, read: -1, rsp: &http.Response{StatusCode: 200},
			want: `{"method":"POST","path":"/api/users","status":200,"requestBody":"a=1"}`, wrapped: true},
		{name: "only what was read", max: 1024, body: `abcdef`, read: 2, rsp: &http.Response{StatusCode: 200},
			want: `{"method":"POST","path":"/api/users","status":200,"requestBody":"ab"}`, wrapped: true},
		{name: "nothing read", max: 1024, body: `abcdef`, read: 0, rsp: &http.Response{StatusCode: 200},
			want: `{"method":"POST","path":"/api/users","status":200}`, wrapped: true},
		{name: "no body logging", max: 0, body: `abcdef`, read: -1, rsp: &http.Response{StatusCode: 200},
			want: `{"method":"POST","path":"/api/users","status":200}`},
		{name: "user", max: 0, rsp: &http.Response{StatusCode: 200}, bag: map[string]any{filters.AuthUser: "jdoe"},
			want: `{"method":"POST","path":"/api/users","status":200,"authStatus":{"user":"jdoe","rejected":false}}`},
		{name: "rejected", max: 0, rsp: &http.Response{StatusCode: 401},
			bag:  map[string]any{filters.AuthUser: "jdoe", AuthRejectReason: "invalid-token"},
			want: `{"method":"POST","path":"/api/users","status":401,"authStatus":{"user":"jdoe","rejected":true,"reason":"invalid-token"}}`},
		{name: "rejected anonymous", max: 0, rsp: &http.Response{StatusCode: 401}, bag: map[string]any{AuthRejectReason: "missing-token"},
			want: `{"method":"POST","path":"/api/users","status":401,"authStatus":{"rejected":true,"reason":"missing-token"}}`},
		{name: "no response", max: 0, want: `{"method":"POST","path":"/api/users","status":0}`},
		{name: "html and control characters escaped", max: 64, body: "<a>\x00\"", read: -1, rsp: &http.Response{StatusCode: 200},
			want: `{"method":"POST","path":"/api/users","status":200,"requestBody":"\u003ca\u003e\u0000\""}`, wrapped: true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := httptest.NewRequest("POST", "/api/users?q=1", nil)
			if tc.body != "" {
				r.Body = io.NopCloser(strings.NewReader(tc.body))
			}
			ctx := filtertest.NewContext(r)
			for k, v := range tc.bag {
				ctx.FStateBag[k] = v
			}
			f := filtertest.Create(t, filtertest.Spec(t, Specs(Options{MaxAuditBody: tc.max}), "auditLog"))
			if eh, ok := f.(filters.ErrorHandler); !ok || !eh.HandleErrorResponse() {
				t.Error("auditLog does not see error responses")
			}
			f.Request(ctx)
			if _, wrapped := r.Body.(*auditBody); wrapped != tc.wrapped {
				t.Errorf("body wrapped: %v", wrapped)
			}
			switch {
			case tc.read < 0:
				io.Copy(io.Discard, r.Body)
			case tc.read > 0:
				io.ReadFull(r.Body, make([]byte, tc.read))
			}
			ctx.FResponse = tc.rsp
			f.Response(ctx)
			if want := []string{"info: " + tc.want}; !reflect.DeepEqual(ctx.Log, want) {
				t.Errorf("log\n%q\nwant\n%q", ctx.Log, want)
			}
		})
	}
}

func TestAuditLogNegativeMax(t *testing.T) {
	r := httptest.NewRequest("POST", "/", strings.NewReader("x"))
	body := r.Body
	f := filtertest.Create(t, filtertest.Spec(t, Specs(Options{MaxAuditBody: -1}), "auditLog"))
	f.Request(filtertest.NewContext(r))
	if r.Body != body {
		t.Error("a negative maximum wraps the body")
	}
}

func jwt(payload string) string {
	return "eyJhbGciOiJSUzI1NiJ9." + base64.RawURLEncoding.EncodeToString([]byte(payload)) + ".c2ln"
}

func TestUnverifiedAuditLog(t *testing.T) {
	claims := `{"sub":"jdoe","azp":"app/1?x=y&z#f","n":1,"bad":"a b","uid":"x\u00e9"}`
	for _, tc := range []struct {
		name string
		args []any
		auth string
		sent []string // X-Unverified-Audit the client sent
		want []string
	}{
		{name: "sub by default", auth: "Bearer " + jwt(claims), want: []string{"jdoe"}},
		{name: "other claim", args: []any{"azp"}, auth: "Bearer " + jwt(claims), want: []string{"app/1?x=y&z#f"}},
		{name: "first string claim", args: []any{"missing", "n", "sub", "azp"}, auth: "Bearer " + jwt(claims), want: []string{"jdoe"}},
		{name: "unsafe characters", args: []any{"bad"}, auth: "Bearer " + jwt(claims), want: []string{"<invalid-sub>"}},
		{name: "non-ascii", args: []any{"uid"}, auth: "Bearer " + jwt(claims), want: []string{"<invalid-sub>"}},
		{name: "empty claim is safe", args: []any{"e"}, auth: "Bearer " + jwt(`{"e":""}`), want: []string{""}},
		{name: "no claim", args: []any{"missing"}, auth: "Bearer " + jwt(claims)},
		{name: "client value replaced", auth: "Bearer " + jwt(claims), sent: []string{"admin"}, want: []string{"jdoe"}},
		{name: "client value kept without token", sent: []string{"admin"}, want: []string{"admin"}},
		{name: "no authorization"},
		{name: "basic", auth: "Basic " + jwt(claims)},
		{name: "lower-case bearer", auth: "bearer " + jwt(claims)},
		{name: "two parts", auth: "Bearer a." + base64.RawURLEncoding.EncodeToString([]byte(claims))},
		{name: "four parts", auth: "Bearer " + jwt(claims) + ".x"},
		{name: "padded payload", auth: "Bearer a." + base64.URLEncoding.EncodeToString([]byte(`{"sub":"jdoe"}`)) + ".s"},
		{name: "not json", auth: "Bearer " + jwt(`sub=jdoe`)},
		{name: "json array", auth: "Bearer " + jwt(`["jdoe"]`)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := httptest.NewRequest("GET", "/", nil)
			if tc.auth != "" {
				r.Header.Set("Authorization", tc.auth)
			}
			if tc.sent != nil {
				r.Header[UnverifiedAuditHeader] = tc.sent
			}
			ctx := filtertest.NewContext(r)
			f := filtertest.Create(t, spec(t, "unverifiedAuditLog"), tc.args...)
			f.Request(ctx)
			f.Response(ctx)
			if got := r.Header[UnverifiedAuditHeader]; !reflect.DeepEqual(got, tc.want) {
				t.Errorf("%s = %q, want %q", UnverifiedAuditHeader, got, tc.want)
			}
		})
	}
}

func TestMaskAccessLogQuery(t *testing.T) {
	ctx := filtertest.NewContext(httptest.NewRequest("GET", "/?a=1", nil))
	for _, args := range [][]any{{"key_1"}, {"key_1", "key_2"}} {
		f := filtertest.Create(t, spec(t, "maskAccessLogQuery"), args...)
		f.Request(ctx)
		f.Response(ctx)
	}
	want := map[string]any{accesslog.MaskedQueryParamsKey: map[string]struct{}{"key_1": {}, "key_2": {}}}
	if got := ctx.FStateBag[filters.AccessLogAdditional]; !reflect.DeepEqual(got, want) {
		t.Errorf("additional %v, want %v", got, want)
	}
	if got := accesslog.MaskedQueryParams(want); !reflect.DeepEqual(got, want[accesslog.MaskedQueryParamsKey]) {
		t.Errorf("MaskedQueryParams %v", got)
	}
	if ctx.FRequest.URL.RawQuery != "a=1" || len(ctx.FStateBag) != 1 {
		t.Errorf("request or bag changed: %q %v", ctx.FRequest.URL.RawQuery, ctx.FStateBag)
	}

	// Other additional fields stay; foreign values under the keys are
	// replaced.
	for _, bag := range []map[string]any{
		{filters.AccessLogAdditional: map[string]any{"app_id": "x"}},
		{filters.AccessLogAdditional: map[string]any{"app_id": "x", accesslog.MaskedQueryParamsKey: []string{"k"}}},
		{filters.AccessLogAdditional: "foreign"},
	} {
		ctx := filtertest.NewContext(httptest.NewRequest("GET", "/", nil))
		for k, v := range bag {
			ctx.FStateBag[k] = v
		}
		filtertest.Create(t, spec(t, "maskAccessLogQuery"), "k").Request(ctx)
		add := ctx.FStateBag[filters.AccessLogAdditional].(map[string]any)
		if got := accesslog.MaskedQueryParams(add); !reflect.DeepEqual(got, map[string]struct{}{"k": {}}) {
			t.Errorf("%v: set %v", bag, got)
		}
		if _, ok := bag[filters.AccessLogAdditional].(map[string]any); ok && add["app_id"] != "x" {
			t.Errorf("%v: app_id lost: %v", bag, add)
		}
	}
	if accesslog.MaskedQueryParams(nil) != nil || accesslog.MaskedQueryParams(map[string]any{accesslog.MaskedQueryParamsKey: map[string]struct{}{}}) != nil {
		t.Error("MaskedQueryParams of nothing is not nil")
	}
}

func TestBadArgs(t *testing.T) {
	for _, tc := range []struct {
		filter string
		args   []any
		want   string
	}{
		{"logHeader", []any{"request", 1.0}, `argument 2 ("request" or "response") must be a string`},
		{"logBody", []any{"request"}, "want 2 argument(s), got 1"},
		{"logBody", []any{"request", 1.0, 2.0}, "want 2 argument(s), got 3"},
		{"logBody", []any{"both", 1.0}, `argument 1 must be "request" or "response", got "both"`},
		{"logBody", []any{"Request", 1.0}, `got "Request"`},
		{"logBody", []any{1.0, 1.0}, `argument 1 ("request" or "response") must be a string`},
		{"logBody", []any{"request", "1024"}, "argument 2 (limit) must be an integer"},
		{"logBody", []any{"request", 1.5}, "argument 2 (limit) must be an integer"},
		{"auditLog", []any{1024.0}, "want 0 argument(s), got 1"},
		{"unverifiedAuditLog", []any{"sub", 1.0}, "argument 2 (claim name) must be a string"},
		{"maskAccessLogQuery", []any{}, "want at least 1 argument(s), got 0"},
		{"maskAccessLogQuery", []any{"a", ""}, "argument 2 (query parameter) must not be empty"},
		{"maskAccessLogQuery", []any{1.0}, "argument 1 (query parameter) must be a string"},
	} {
		filtertest.CreateFails(t, spec(t, tc.filter), tc.args, tc.want)
	}
}
