package headers

import (
	"net/http"
	"net/http/httptest"
	"reflect"
	"testing"

	"github.com/skiff-proxy/skiff/filters"
	"github.com/skiff-proxy/skiff/filters/filtertest"
)

func spec(t testing.TB, name string) filters.Spec {
	t.Helper()
	return filtertest.Spec(t, Specs(), name)
}

func TestSpecNames(t *testing.T) {
	var names []string
	for _, s := range Specs() {
		names = append(names, s.Name())
	}
	want := []string{"setRequestHeader", "appendRequestHeader", "setResponseHeader", "appendResponseHeader",
		"dropRequestHeader", "dropResponseHeader", "copyRequestHeader", "copyResponseHeader",
		"modRequestHeader", "modResponseHeader",
		"setContextRequestHeader", "appendContextRequestHeader", "setContextResponseHeader", "appendContextResponseHeader",
		"dropRequestHeaderRegexp", "dropRequestHeaderValueRegexp", "dropResponseHeaderRegexp", "dropResponseHeaderValueRegexp",
		"xforward", "xforwardFirst"}
	if !reflect.DeepEqual(names, want) {
		t.Fatalf("got %v", names)
	}
}

func TestFilters(t *testing.T) {
	for _, tc := range []struct {
		name    string
		filter  string
		args    []any
		reqHdr  http.Header
		rspHdr  http.Header
		params  map[string]string
		bag     map[string]any
		url     string
		wantReq http.Header // nil: request headers unchanged
		wantRsp http.Header // nil: response headers unchanged
		outHost string      // "" : unchanged
	}{
		{name: "set", filter: "setRequestHeader", args: []any{"x-foo", "bar"},
			reqHdr: http.Header{"X-Foo": {"a", "b"}}, wantReq: http.Header{"X-Foo": {"bar"}}},
		{name: "set template", filter: "setRequestHeader", args: []any{"X-Id", "u-${id}-${request.header.X-In}"},
			reqHdr: http.Header{"X-In": {"i"}}, params: map[string]string{"id": "7"},
			wantReq: http.Header{"X-In": {"i"}, "X-Id": {"u-7-i"}}},
		{name: "set template incomplete skips", filter: "setRequestHeader", args: []any{"X-Id", "u-${id}"},
			reqHdr: http.Header{"X-Id": {"old"}}, wantReq: http.Header{"X-Id": {"old"}}},
		{name: "set template with control character skips", filter: "setRequestHeader", args: []any{"X-Q", "${request.query.q}"},
			reqHdr: http.Header{"X-Q": {"old"}}, url: "/p?q=a%0D%0AX-Evil:%201", wantReq: http.Header{"X-Q": {"old"}}},
		{name: "set context with control character skips", filter: "setContextRequestHeader", args: []any{"X-Q", "k"},
			bag: map[string]any{"k": "a\nb"}, reqHdr: http.Header{}, wantReq: http.Header{}},
		{name: "set host", filter: "setRequestHeader", args: []any{"host", "new.example.org"},
			reqHdr: http.Header{}, wantReq: http.Header{}, outHost: "new.example.org"},
		{name: "set host template", filter: "setRequestHeader", args: []any{"Host", "${request.header.X-Host}"},
			reqHdr: http.Header{"X-Host": {"h.org"}}, outHost: "h.org"},
		{name: "append", filter: "appendRequestHeader", args: []any{"X-Foo", "c"},
			reqHdr: http.Header{"X-Foo": {"a"}}, wantReq: http.Header{"X-Foo": {"a", "c"}}},
		{name: "append new", filter: "appendRequestHeader", args: []any{"X-Foo", "${request.method}"},
			reqHdr: http.Header{}, wantReq: http.Header{"X-Foo": {"GET"}}},
		{name: "append host", filter: "appendRequestHeader", args: []any{"Host", "a.org"}, outHost: "a.org"},
		{name: "drop", filter: "dropRequestHeader", args: []any{"x-foo"},
			reqHdr: http.Header{"X-Foo": {"a"}, "X-Bar": {"b"}}, wantReq: http.Header{"X-Bar": {"b"}}},
		{name: "copy", filter: "copyRequestHeader", args: []any{"X-A", "x-b"},
			reqHdr: http.Header{"X-A": {"1", "2"}, "X-B": {"old"}}, wantReq: http.Header{"X-A": {"1", "2"}, "X-B": {"1"}}},
		{name: "copy missing", filter: "copyRequestHeader", args: []any{"X-A", "X-B"},
			reqHdr: http.Header{"X-B": {"old"}}, wantReq: http.Header{"X-B": {"old"}}},
		{name: "copy to host", filter: "copyRequestHeader", args: []any{"X-A", "Host"},
			reqHdr: http.Header{"X-A": {"h.org"}}, wantReq: http.Header{"X-A": {"h.org"}}, outHost: "h.org"},
		{name: "copy from host", filter: "copyRequestHeader", args: []any{"Host", "X-Orig-Host"},
			reqHdr: http.Header{}, wantReq: http.Header{"X-Orig-Host": {"in.example.org"}}},
		{name: "mod", filter: "modRequestHeader", args: []any{"X-A", "^(\\w+)-(\\w+)$", "$2-$1"},
			reqHdr: http.Header{"X-A": {"ab-cd", "zz"}}, wantReq: http.Header{"X-A": {"cd-ab"}}},
		{name: "mod absent", filter: "modRequestHeader", args: []any{"X-A", "a", "b"},
			reqHdr: http.Header{}, wantReq: http.Header{}},
		{name: "mod host", filter: "modRequestHeader", args: []any{"Host", "^in\\.", "out."},
			outHost: "out.example.org"},
		{name: "set context", filter: "setContextRequestHeader", args: []any{"X-User", "auth-user"},
			bag: map[string]any{"auth-user": "jo"}, reqHdr: http.Header{"X-User": {"x"}}, wantReq: http.Header{"X-User": {"jo"}}},
		{name: "set context formats", filter: "setContextRequestHeader", args: []any{"X-N", "n"},
			bag: map[string]any{"n": 42}, reqHdr: http.Header{}, wantReq: http.Header{"X-N": {"42"}}},
		{name: "set context missing", filter: "setContextRequestHeader", args: []any{"X-User", "auth-user"},
			reqHdr: http.Header{"X-User": {"x"}}, wantReq: http.Header{"X-User": {"x"}}},
		{name: "set context host", filter: "setContextRequestHeader", args: []any{"Host", "h"},
			bag: map[string]any{"h": "ctx.org"}, outHost: "ctx.org"},
		{name: "append context", filter: "appendContextRequestHeader", args: []any{"X-A", "k"},
			bag: map[string]any{"k": "2"}, reqHdr: http.Header{"X-A": {"1"}}, wantReq: http.Header{"X-A": {"1", "2"}}},
		{name: "set context response", filter: "setContextResponseHeader", args: []any{"X-A", "k"},
			bag: map[string]any{"k": "v"}, rspHdr: http.Header{"X-A": {"1"}}, wantRsp: http.Header{"X-A": {"v"}}},
		{name: "append context response", filter: "appendContextResponseHeader", args: []any{"X-A", "k"},
			bag: map[string]any{"k": true}, rspHdr: http.Header{"X-A": {"1"}}, wantRsp: http.Header{"X-A": {"1", "true"}}},
		{name: "drop regexp", filter: "dropRequestHeaderRegexp", args: []any{"X-A", "^b"},
			reqHdr: http.Header{"X-A": {"a", "b1", "c", "b2"}}, wantReq: http.Header{"X-A": {"a", "c"}}},
		{name: "drop regexp all", filter: "dropRequestHeaderValueRegexp", args: []any{"X-A", "."},
			reqHdr: http.Header{"X-A": {"a", "b"}, "X-B": {"b"}}, wantReq: http.Header{"X-B": {"b"}}},
		{name: "drop regexp none", filter: "dropRequestHeaderRegexp", args: []any{"X-A", "z"},
			reqHdr: http.Header{"X-A": {"a"}}, wantReq: http.Header{"X-A": {"a"}}},
		{name: "drop response regexp", filter: "dropResponseHeaderRegexp", args: []any{"Vary", "(?i)cookie"},
			rspHdr: http.Header{"Vary": {"Accept", "Cookie"}}, wantRsp: http.Header{"Vary": {"Accept"}}},
		{name: "drop response value regexp", filter: "dropResponseHeaderValueRegexp", args: []any{"Vary", "."},
			rspHdr: http.Header{"Vary": {"Accept"}}, wantRsp: http.Header{}},
		{name: "set response", filter: "setResponseHeader", args: []any{"X-R", "${response.header.X-Up}!"},
			rspHdr: http.Header{"X-Up": {"u"}, "X-R": {"1", "2"}}, wantRsp: http.Header{"X-Up": {"u"}, "X-R": {"u!"}}},
		{name: "set response incomplete", filter: "setResponseHeader", args: []any{"X-R", "${response.header.X-Up}"},
			rspHdr: http.Header{"X-R": {"1"}}, wantRsp: http.Header{"X-R": {"1"}}},
		{name: "set response Host is a plain header", filter: "setResponseHeader", args: []any{"Host", "h"},
			rspHdr: http.Header{}, wantRsp: http.Header{"Host": {"h"}}},
		{name: "append response", filter: "appendResponseHeader", args: []any{"X-R", "${request.path}"},
			rspHdr: http.Header{"X-R": {"1"}}, wantRsp: http.Header{"X-R": {"1", "/p"}}},
		{name: "drop response", filter: "dropResponseHeader", args: []any{"X-R"},
			rspHdr: http.Header{"X-R": {"1"}, "X-S": {"2"}}, wantRsp: http.Header{"X-S": {"2"}}},
		{name: "copy response", filter: "copyResponseHeader", args: []any{"X-R", "X-S"},
			rspHdr: http.Header{"X-R": {"1"}}, wantRsp: http.Header{"X-R": {"1"}, "X-S": {"1"}}},
		{name: "mod response", filter: "modResponseHeader", args: []any{"Location", "^http://", "https://"},
			rspHdr: http.Header{"Location": {"http://a/b"}}, wantRsp: http.Header{"Location": {"https://a/b"}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			u := "http://in.example.org/p"
			if tc.url != "" {
				u = "http://in.example.org" + tc.url
			}
			r := httptest.NewRequest("GET", u, nil)
			if tc.reqHdr != nil {
				r.Header = tc.reqHdr
			}
			reqBefore := r.Header.Clone()
			ctx := filtertest.NewContext(r)
			ctx.FOutgoingHost = "backend:80"
			for k, v := range tc.params {
				ctx.FParams[k] = v
			}
			for k, v := range tc.bag {
				ctx.FStateBag[k] = v
			}
			f := filtertest.Create(t, spec(t, tc.filter), tc.args...)
			f.Request(ctx)
			ctx.FResponse = &http.Response{StatusCode: 200, Header: tc.rspHdr}
			if tc.rspHdr == nil {
				ctx.FResponse.Header = http.Header{}
			}
			rspBefore := ctx.FResponse.Header.Clone()
			f.Response(ctx)

			wantReq := tc.wantReq
			if wantReq == nil {
				wantReq = reqBefore
			}
			if !reflect.DeepEqual(r.Header, wantReq) {
				t.Errorf("request headers %v, want %v", r.Header, wantReq)
			}
			wantRsp := tc.wantRsp
			if wantRsp == nil {
				wantRsp = rspBefore
			}
			if !reflect.DeepEqual(ctx.FResponse.Header, wantRsp) {
				t.Errorf("response headers %v, want %v", ctx.FResponse.Header, wantRsp)
			}
			wantHost := tc.outHost
			if wantHost == "" {
				wantHost = "backend:80"
			}
			if ctx.FOutgoingHost != wantHost {
				t.Errorf("outgoing host %q, want %q", ctx.FOutgoingHost, wantHost)
			}
			if r.Host != "in.example.org" {
				t.Errorf("request Host changed to %q", r.Host)
			}
		})
	}
}

func TestResponseFiltersWithoutResponse(t *testing.T) {
	for _, tc := range []struct {
		filter string
		args   []any
	}{
		{"setResponseHeader", []any{"X", "y"}},
		{"appendResponseHeader", []any{"X", "y"}},
		{"dropResponseHeader", []any{"X"}},
		{"copyResponseHeader", []any{"X", "Y"}},
		{"modResponseHeader", []any{"X", "a", "b"}},
		{"setContextResponseHeader", []any{"X", "k"}},
		{"dropResponseHeaderRegexp", []any{"X", "a"}},
	} {
		ctx := filtertest.NewContext(httptest.NewRequest("GET", "/", nil))
		f := filtertest.Create(t, spec(t, tc.filter), tc.args...)
		f.Request(ctx)
		f.Response(ctx) // must not panic on a nil response
		if len(ctx.FRequest.Header) != 0 {
			t.Errorf("%s touched the request: %v", tc.filter, ctx.FRequest.Header)
		}
	}
}

func TestBadArgs(t *testing.T) {
	for _, tc := range []struct {
		filter string
		args   []any
		want   string
	}{
		{"setRequestHeader", []any{"X"}, "want 2 argument(s), got 1"},
		{"setRequestHeader", []any{"X", "a", "b"}, "want 2 argument(s), got 3"},
		{"setRequestHeader", []any{3.0, "a"}, "argument 1 (header name) must be a string"},
		{"setRequestHeader", []any{"", "a"}, "argument 1 (header name) must not be empty"},
		{"setRequestHeader", []any{"X Y", "a"}, `"X Y" is not a valid header name`},
		{"setRequestHeader", []any{"X", 1.0}, "argument 2 (value) must be a string"},
		{"setResponseHeader", []any{"X", "a\r\nb"}, "not a valid header value"},
		{"appendResponseHeader", []any{"X"}, "want 2"},
		{"dropRequestHeader", []any{}, "want 1 argument(s), got 0"},
		{"dropResponseHeader", []any{"X", "Y"}, "want 1"},
		{"copyRequestHeader", []any{"X", 2.0}, "argument 2 (destination header)"},
		{"copyResponseHeader", []any{"a b", "Y"}, "argument 1 (source header)"},
		{"modRequestHeader", []any{"X", "(", "b"}, `argument 2 (expression) "(" is not a valid regexp`},
		{"modResponseHeader", []any{"X", "a", 1.0}, "argument 3 (replacement)"},
		{"modRequestHeader", []any{"X", "a", "b\r\nc"}, "argument 3 (replacement)"},
		{"modResponseHeader", []any{"X", "a"}, "want 3"},
		{"xforward", []any{"x"}, "want 0 argument(s), got 1"},
		{"setContextRequestHeader", []any{"X", ""}, "argument 2 (state bag key) must not be empty"},
		{"appendContextResponseHeader", []any{"X"}, "want 2"},
		{"dropRequestHeaderRegexp", []any{"X", "("}, "argument 2 (expression)"},
		{"dropResponseHeaderValueRegexp", []any{"X Y", "a"}, "argument 1 (header name)"},
		{"xforwardFirst", []any{1.0}, "want 0 argument(s), got 1"},
	} {
		filtertest.CreateFails(t, spec(t, tc.filter), tc.args, tc.want)
	}
}

func TestXForward(t *testing.T) {
	for _, tc := range []struct {
		filter, remote string
		xff            []string
		want           string
	}{
		{"xforward", "192.0.2.1:1234", nil, "192.0.2.1"},
		{"xforward", "192.0.2.1:1234", []string{"10.0.0.1"}, "10.0.0.1, 192.0.2.1"},
		{"xforward", "[2001:db8::1]:80", []string{"10.0.0.1", "10.0.0.2"}, "10.0.0.1, 10.0.0.2, 2001:db8::1"},
		{"xforwardFirst", "192.0.2.1:1234", []string{"10.0.0.1, 10.0.0.2"}, "192.0.2.1, 10.0.0.1, 10.0.0.2"},
		{"xforwardFirst", "192.0.2.1:1234", nil, "192.0.2.1"},
	} {
		r := httptest.NewRequest("GET", "http://in.example.org/", nil)
		r.RemoteAddr = tc.remote
		if tc.xff != nil {
			r.Header["X-Forwarded-For"] = tc.xff
		}
		f := filtertest.Create(t, spec(t, tc.filter))
		f.Request(filtertest.NewContext(r))
		if got := r.Header["X-Forwarded-For"]; len(got) != 1 || got[0] != tc.want {
			t.Errorf("%s %v: X-Forwarded-For %q, want %q", tc.filter, tc.xff, got, tc.want)
		}
		if got := r.Header.Get("X-Forwarded-Host"); got != "in.example.org" {
			t.Errorf("X-Forwarded-Host %q", got)
		}
	}
}
