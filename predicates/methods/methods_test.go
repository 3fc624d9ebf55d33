package methods

import (
	"net/http/httptest"
	"testing"

	"github.com/skiff-proxy/skiff/predicates/internal/predtest"
)

func TestMethods(t *testing.T) {
	for _, tc := range []struct {
		args    []any
		method  string
		want    bool
		wantErr bool
	}{
		{args: []any{"GET"}, method: "GET", want: true},
		{args: []any{"get", "post"}, method: "POST", want: true},
		{args: []any{"GET", "HEAD"}, method: "PUT", want: false},
		{args: []any{"GET"}, method: "get", want: true},
		{args: []any{"options", "TRACE", "CONNECT", "patch", "delete", "put"}, method: "DELETE", want: true},
		{args: nil, wantErr: true},
		{args: []any{"GET", "FOO"}, wantErr: true},
		{args: []any{1.0}, wantErr: true},
		{args: []any{""}, wantErr: true},
	} {
		p := predtest.Create(t, New(), tc.args, tc.wantErr)
		if tc.wantErr {
			continue
		}
		r := httptest.NewRequest("GET", "/", nil)
		r.Method = tc.method
		if got := p.Match(r); got != tc.want {
			t.Errorf("Methods%v on %s: %v, want %v", tc.args, tc.method, got, tc.want)
		}
	}
}

func TestErrorNamesArgument(t *testing.T) {
	_, err := New().Create([]any{"GET", "FETCH"})
	if err == nil || err.Error() != `Methods: argument 2 ("FETCH") is not a standard HTTP method: invalid predicate parameters` {
		t.Fatalf("got %v", err)
	}
}

func TestNoAllocs(t *testing.T) {
	p, _ := New().Create([]any{"GET", "POST", "PUT"})
	r := httptest.NewRequest("put", "/", nil)
	if n := testing.AllocsPerRun(100, func() { p.Match(r) }); n != 0 {
		t.Fatalf("%v allocs", n)
	}
}
