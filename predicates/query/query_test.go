package query

import (
	"net/http/httptest"
	"testing"

	"github.com/skiff-proxy/skiff/predicates/internal/predtest"
)

func TestQueryParam(t *testing.T) {
	for _, tc := range []struct {
		args    []any
		query   string
		want    bool
		wantErr bool
	}{
		{args: []any{"debug"}, query: "debug", want: true},
		{args: []any{"debug"}, query: "debug=", want: true},
		{args: []any{"debug"}, query: "a=1&debug=true", want: true},
		{args: []any{"debug"}, query: "debugx=1", want: false},
		{args: []any{"debug"}, query: "", want: false},
		{args: []any{"de bug"}, query: "de+bug=1", want: true},
		{args: []any{"de bug"}, query: "de%20bug=1", want: true},
		{args: []any{"debug"}, query: "de%zzbug=1&x", want: false},
		{args: []any{"debug"}, query: "debug=1;x=2", want: false},
		{args: []any{"v", "^[0-9]+$"}, query: "v=abc&v=123", want: true},
		{args: []any{"v", "^[0-9]+$"}, query: "v=abc", want: false},
		{args: []any{"v", "^a b$"}, query: "v=a+b", want: true},
		{args: []any{"v", "^a/b$"}, query: "v=a%2Fb", want: true},
		{args: []any{"v", "x"}, query: "v=%zz", want: false},
		{args: []any{"v", "^$"}, query: "v", want: true},
		{args: nil, wantErr: true},
		{args: []any{"a", "b", "c"}, wantErr: true},
		{args: []any{""}, wantErr: true},
		{args: []any{3.0}, wantErr: true},
		{args: []any{"a", 3.0}, wantErr: true},
		{args: []any{"a", "[a"}, wantErr: true},
	} {
		p := predtest.Create(t, New(), tc.args, tc.wantErr)
		if tc.wantErr {
			continue
		}
		r := httptest.NewRequest("GET", "/path?"+tc.query, nil)
		if got := p.Match(r); got != tc.want {
			t.Errorf("QueryParam%v on %q: %v, want %v", tc.args, tc.query, got, tc.want)
		}
	}
}

func TestNoAllocs(t *testing.T) {
	p, _ := New().Create([]any{"v", "^[0-9]+$"})
	r := httptest.NewRequest("GET", "/?a=1&b=2&v=123", nil)
	if n := testing.AllocsPerRun(100, func() { p.Match(r) }); n != 0 {
		t.Fatalf("%v allocs", n)
	}
}
