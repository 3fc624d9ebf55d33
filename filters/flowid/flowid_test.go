package flowid

import (
	"errors"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/skiff-proxy/skiff/filters"
	"github.com/skiff-proxy/skiff/filters/filtertest"
)

func TestCreateFilterArgs(t *testing.T) {
	for _, tc := range []struct {
		args []any
		ok   bool
	}{
		{nil, true},
		{[]any{"reuse"}, true},
		{[]any{"REUSE"}, false},
		{[]any{1.0}, false},
		{[]any{"reuse", "x"}, false},
	} {
		_, err := spec{}.CreateFilter(tc.args)
		if tc.ok != (err == nil) {
			t.Errorf("%v: err = %v", tc.args, err)
		}
		if err != nil && (!errors.Is(err, filters.ErrInvalidFilterParameters) || !strings.Contains(err.Error(), Name)) {
			t.Errorf("%v: error %q must name the filter and wrap ErrInvalidFilterParameters", tc.args, err)
		}
	}
}

func TestFlowId(t *testing.T) {
	for _, tc := range []struct {
		name     string
		args     []any
		incoming string
		keep     bool
	}{
		{"generated when absent", nil, "", false},
		{"replaced without reuse", nil, "abcdefgh12345678", false},
		{"reused when valid", []any{"reuse"}, "abcdefgh12345678", true},
		{"replaced when too short", []any{"reuse"}, "abc", false},
		{"replaced when bad chars", []any{"reuse"}, "abcdefgh/2345678", false},
		{"generated when absent with reuse", []any{"reuse"}, "", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := filtertest.Create(t, spec{}, tc.args...)
			req := httptest.NewRequest("GET", "/", nil)
			if tc.incoming != "" {
				req.Header.Set(HeaderName, tc.incoming)
			}
			ctx := filtertest.NewContext(req)
			f.Request(ctx)
			got := req.Header.Get(HeaderName)
			if tc.keep {
				if got != tc.incoming {
					t.Fatalf("got %q, want reused %q", got, tc.incoming)
				}
			} else {
				if got == tc.incoming || len(got) != idLength || !Valid(got) {
					t.Fatalf("got %q, want a fresh valid id", got)
				}
			}
			if ctx.StateBag()[StateBagKey] != got {
				t.Fatalf("state bag %v, header %q", ctx.StateBag()[StateBagKey], got)
			}
		})
	}
}

func TestNewIsUniqueEnough(t *testing.T) {
	seen := map[string]bool{}
	for i := 0; i < 10000; i++ {
		id := New()
		if !Valid(id) || len(id) != idLength {
			t.Fatalf("invalid id %q", id)
		}
		if seen[id] {
			t.Fatalf("duplicate id %q", id)
		}
		seen[id] = true
	}
}

func BenchmarkRequest(b *testing.B) {
	f, _ := spec{}.CreateFilter(nil)
	req := httptest.NewRequest("GET", "/", nil)
	ctx := filtertest.NewContext(req)
	b.ReportAllocs()
	for b.Loop() {
		f.Request(ctx)
	}
}
