package cookie

import (
	"net/http/httptest"
	"testing"

	"github.com/skiff-proxy/skiff/predicates/internal/predtest"
)

func TestCookie(t *testing.T) {
	for _, tc := range []struct {
		args    []any
		cookie  string
		want    bool
		wantErr bool
	}{
		{args: []any{"alpha", "^enabled$"}, cookie: "alpha=enabled", want: true},
		{args: []any{"alpha", "^enabled$"}, cookie: "alpha=disabled", want: false},
		{args: []any{"alpha", "able"}, cookie: "x=1; alpha=disabled", want: true},
		{args: []any{"alpha", ".*"}, cookie: "", want: false},
		{args: []any{"alpha", "^$"}, cookie: "alpha=", want: true},
		// A bare name is a cookie with an empty value, as in skipper.
		{args: []any{"e", "^$"}, cookie: "e", want: true},
		{args: []any{"e", "^$"}, cookie: "x=1; e", want: true},
		{args: []any{"e", "^$"}, cookie: "ee", want: false},
		{args: []any{"alpha"}, wantErr: true},
		{args: []any{"alpha", "x", "y"}, wantErr: true},
		{args: []any{"", "x"}, wantErr: true},
		{args: []any{1.0, "x"}, wantErr: true},
		{args: []any{"alpha", "("}, wantErr: true},
	} {
		p := predtest.Create(t, New(), tc.args, tc.wantErr)
		if tc.wantErr {
			continue
		}
		r := httptest.NewRequest("GET", "/", nil)
		if tc.cookie != "" {
			r.Header.Set("Cookie", tc.cookie)
		}
		if got := p.Match(r); got != tc.want {
			t.Errorf("Cookie%v with %q: %v, want %v", tc.args, tc.cookie, got, tc.want)
		}
	}
}

func TestNoAllocs(t *testing.T) {
	p, _ := New().Create([]any{"alpha", "^on$"})
	r := httptest.NewRequest("GET", "/", nil)
	r.Header.Set("Cookie", "session=abc; alpha=on")
	if n := testing.AllocsPerRun(100, func() { p.Match(r) }); n != 0 {
		t.Fatalf("%v allocs", n)
	}
}
