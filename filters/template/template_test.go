package template

import (
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/skiff-proxy/skiff/filters/filtertest"
)

func testContext() *filtertest.Context {
	r := httptest.NewRequest("POST", "http://api.example.org:8080/a/b%20c?x=1&y=two+words&e=&x=2", nil)
	r.RemoteAddr = "192.0.2.7:5555"
	r.Header.Set("X-Forwarded-For", "203.0.113.1, 198.51.100.2")
	r.Header.Set("X-Trace", "abc")
	r.Header.Add("Cookie", `a=1; session="s3"`)
	r.Header.Add("Cookie", "b=2")
	ctx := filtertest.NewContext(r)
	ctx.FParams["id"] = "42"
	return ctx
}

func TestRender(t *testing.T) {
	for _, tc := range []struct {
		tmpl, want string
		complete   bool
	}{
		{"", "", true},
		{"static", "static", true},
		{"${request.method}", "POST", true},
		{"${request.host}", "api.example.org:8080", true},
		{"${request.path}", "/a/b c", true},
		{"${request.rawQuery}", "x=1&y=two+words&e=&x=2", true},
		{"${request.query.x}", "1", true},
		{"${request.query.y}", "two words", true},
		{"${request.query.e}", "", false},
		{"${request.query.missing}", "", false},
		{"${request.header.x-trace}", "abc", true},
		{"${request.header.X-Missing}", "", false},
		{"${request.cookie.a}", "1", true},
		{"${request.cookie.session}", "s3", true},
		{"${request.cookie.b}", "2", true},
		{"${request.cookie.c}", "", false},
		{"${request.source}", "203.0.113.1", true},
		{"${request.sourceFromLast}", "198.51.100.2", true},
		{"${request.clientIP}", "192.0.2.7", true},
		{"${response.header.X-R}", "", false},
		{"${id}", "42", true},
		{"/u/${id}/p", "/u/42/p", true},
		{"${request.method} ${request.path}?${request.query.x}", "POST /a/b c?1", true},
		{"a${missing}b", "ab", false},
		{"${id}${missing}${id}", "4242", false},
		{"${}", "${}", true},
		{"${a{b}", "${a{b}", true},  // `${a{` is literal; `{b}` lacks the `$`
		{"${a${id}", "${a42", true}, // the inner `${id}` still is a placeholder
		{"$${id}}", "$42}", true},
		{"${unterminated", "${unterminated", true},
		{"x${ id }", "x", false}, // names are taken verbatim, so " id " is an absent param
	} {
		got, complete := New(tc.tmpl).Render(testContext())
		if got != tc.want || complete != tc.complete {
			t.Errorf("%q: got (%q, %v), want (%q, %v)", tc.tmpl, got, complete, tc.want, tc.complete)
		}
	}
}

func TestRenderResponseHeader(t *testing.T) {
	ctx := testContext()
	ctx.FResponse = &http.Response{Header: http.Header{"X-R": {"v"}}}
	got, ok := New("r=${response.header.x-r}").Render(ctx)
	if got != "r=v" || !ok {
		t.Fatalf("got (%q, %v)", got, ok)
	}
}

func TestStatic(t *testing.T) {
	for s, want := range map[string]bool{"": true, "abc": true, "${}": true, "a${b}": false, "${request.path}": false} {
		if got := New(s).Static(); got != want {
			t.Errorf("Static(%q) = %v", s, got)
		}
		if New(s).String() != s {
			t.Errorf("String(%q) changed", s)
		}
	}
}

func TestSourceFallbacks(t *testing.T) {
	for _, tc := range []struct{ xff, remote, source, last, client string }{
		{"", "10.0.0.1:80", "10.0.0.1", "10.0.0.1", "10.0.0.1"},
		{"garbage", "10.0.0.1:80", "10.0.0.1", "10.0.0.1", "10.0.0.1"},
		{"1.1.1.1", "[2001:db8::1]:443", "1.1.1.1", "1.1.1.1", "2001:db8::1"},
		{"2001:db8::2 , 1.1.1.1", "", "2001:db8::2", "1.1.1.1", ""},
		{"", "10.0.0.9", "10.0.0.9", "10.0.0.9", "10.0.0.9"},
		{"", "not-an-ip:1", "", "", ""},
	} {
		r := httptest.NewRequest("GET", "/", nil)
		r.RemoteAddr = tc.remote
		if tc.xff != "" {
			r.Header.Set("X-Forwarded-For", tc.xff)
		}
		if got := Source(r); got != tc.source {
			t.Errorf("Source(%q, %q) = %q, want %q", tc.xff, tc.remote, got, tc.source)
		}
		if got := SourceFromLast(r); got != tc.last {
			t.Errorf("SourceFromLast(%q, %q) = %q, want %q", tc.xff, tc.remote, got, tc.last)
		}
		if got := ClientIP(r); got != tc.client {
			t.Errorf("ClientIP(%q) = %q, want %q", tc.remote, got, tc.client)
		}
	}
}

func TestQueryValue(t *testing.T) {
	for _, tc := range []struct{ raw, key, want string }{
		{"a=1&b=2", "b", "2"},
		{"a=1&a=2", "a", "1"},
		{"a%20b=c%2Fd", "a b", "c/d"},
		{"a;b=1&a=3", "a", "3"},
		{"a=%zz&a=ok", "a", "ok"},
		{"flag", "flag", ""},
		{"", "a", ""},
	} {
		if got := QueryValue(tc.raw, tc.key); got != tc.want {
			t.Errorf("QueryValue(%q, %q) = %q, want %q", tc.raw, tc.key, got, tc.want)
		}
	}
}

func TestRenderAllocs(t *testing.T) {
	ctx := testContext()
	for _, s := range []string{"static", "${request.header.X-Trace}", "${id}", "${request.query.x}"} {
		tm := New(s)
		if n := testing.AllocsPerRun(100, func() { tm.Render(ctx) }); n != 0 {
			t.Errorf("%q: %v allocs per render, want 0", s, n)
		}
	}
	tm := New("/u/${id}/${request.header.X-Trace}")
	if n := testing.AllocsPerRun(100, func() { tm.Render(ctx) }); n != 1 {
		t.Errorf("composite: %v allocs per render, want 1", n)
	}
}

func BenchmarkRender(b *testing.B) {
	ctx := testContext()
	for _, s := range []string{"static", "${request.header.X-Trace}", "/u/${id}/${request.header.X-Trace}"} {
		tm := New(s)
		b.Run(s, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				tm.Render(ctx)
			}
		})
	}
}
