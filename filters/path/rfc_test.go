package path

import (
	"net/http/httptest"
	"testing"

	"github.com/skiff-proxy/skiff/filters/filtertest"
)

func TestRfcHost(t *testing.T) {
	for in, want := range map[string]string{
		"a.org.":      "a.org",
		"a.org.:8080": "a.org:8080",
		"a.org":       "a.org",
		"a.org..":     "a.org.",
		"[::1]:80":    "[::1]:80",
		"[::1]":       "[::1]",
		"":            "",
	} {
		ctx := filtertest.NewContext(httptest.NewRequest("GET", "/", nil))
		ctx.FOutgoingHost = in
		f := filtertest.Create(t, spec(t, "rfcHost"))
		f.Request(ctx)
		f.Response(ctx)
		if ctx.FOutgoingHost != want {
			t.Errorf("rfcHost(%q) = %q, want %q", in, ctx.FOutgoingHost, want)
		}
	}
	if _, err := spec(t, "rfcHost").CreateFilter([]any{"x"}); err == nil {
		t.Error("rfcHost accepted an argument")
	}
}

func TestRfcPathKeepsClientEscaping(t *testing.T) {
	r := httptest.NewRequest("GET", "/a%2Fb%3Bc/d", nil)
	f := filtertest.Create(t, spec(t, "rfcPath"))
	f.Request(filtertest.NewContext(r))
	if got := r.URL.EscapedPath(); got != "/a%2Fb%3Bc/d" {
		t.Errorf("escaped path %q", got)
	}
	if _, err := spec(t, "rfcPath").CreateFilter([]any{"x"}); err == nil {
		t.Error("rfcPath accepted an argument")
	}
}
