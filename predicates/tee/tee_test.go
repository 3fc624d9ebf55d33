package tee

import (
	"net/http/httptest"
	"testing"

	teefilter "github.com/skiff-proxy/skiff/filters/tee"
	"github.com/skiff-proxy/skiff/predicates/internal/predtest"
)

func TestTee(t *testing.T) {
	for _, tc := range []struct {
		name    string
		args    []any
		copyOf  string // the teeLoopback key of the request; "" for a client's request
		header  string // X-Tee-Loopback-Key sent by the client
		want    bool
		wantErr bool
	}{
		{name: "copy with the key", args: []any{"test-A"}, copyOf: "test-A", want: true},
		{name: "copy with another key", args: []any{"test-A"}, copyOf: "test-B"},
		{name: "keys are case-sensitive", args: []any{"test-A"}, copyOf: "TEST-A"},
		{name: "client request", args: []any{"test-A"}},
		{name: "client sending the header", args: []any{"test-A"}, header: "test-A"},
		{name: "no argument", wantErr: true},
		{name: "two arguments", args: []any{"a", "b"}, wantErr: true},
		{name: "empty key", args: []any{""}, wantErr: true},
		{name: "number", args: []any{1.0}, wantErr: true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := predtest.Create(t, New(), tc.args, tc.wantErr)
			if tc.wantErr {
				return
			}
			r := httptest.NewRequest("GET", "/", nil)
			if tc.header != "" {
				r.Header.Set(teefilter.LoopbackHeader, tc.header)
			}
			if tc.copyOf != "" {
				r = r.WithContext(teefilter.WithLoopbackKey(r.Context(), tc.copyOf))
			}
			if got := p.Match(r); got != tc.want {
				t.Errorf("Tee%v: %v, want %v", tc.args, got, tc.want)
			}
		})
	}
}

func TestErrorNamesArgument(t *testing.T) {
	for _, tc := range []struct {
		args []any
		want string
	}{
		{nil, "Tee: expects 1 argument(s), got 0: invalid predicate parameters"},
		{[]any{""}, "Tee: argument 1 must not be empty: invalid predicate parameters"},
		{[]any{2.0}, "Tee: argument 1 (2) must be a string: invalid predicate parameters"},
	} {
		if _, err := New().Create(tc.args); err == nil || err.Error() != tc.want {
			t.Errorf("Tee%v: got %v, want %q", tc.args, err, tc.want)
		}
	}
}

func TestNoAllocs(t *testing.T) {
	p, _ := New().Create([]any{"test-A"})
	r := httptest.NewRequest("GET", "/", nil)
	c := r.WithContext(teefilter.WithLoopbackKey(r.Context(), "test-A"))
	if n := testing.AllocsPerRun(100, func() { p.Match(r); p.Match(c) }); n != 0 {
		t.Fatalf("%v allocs", n)
	}
}
