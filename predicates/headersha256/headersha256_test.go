package headersha256

import (
	"crypto/sha256"
	"encoding/hex"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/skiff-proxy/skiff/predicates/internal/predtest"
)

func digest(s string) string {
	h := sha256.Sum256([]byte(s))
	return hex.EncodeToString(h[:])
}

func TestHeaderSHA256(t *testing.T) {
	for _, tc := range []struct {
		args    []any
		value   string
		want    bool
		wantErr bool
	}{
		{args: []any{"X-Secret", digest("s3cret")}, value: "s3cret", want: true},
		{args: []any{"x-secret", digest("s3cret")}, value: "s3cret", want: true},
		{args: []any{"X-Secret", digest("a"), digest("b")}, value: "b", want: true},
		{args: []any{"X-Secret", strings.ToUpper(digest("b"))}, value: "b", want: true},
		{args: []any{"X-Secret", digest("s3cret")}, value: "other", want: false},
		{args: []any{"X-Secret", digest("")}, value: "", want: false}, // header absent
		{args: []any{"X-Secret"}, wantErr: true},
		{args: []any{"", digest("a")}, wantErr: true},
		{args: []any{"X-Secret", "abc"}, wantErr: true},
		{args: []any{"X-Secret", digest("a") + "00"}, wantErr: true},
		{args: []any{"X-Secret", strings.Repeat("zz", 32)}, wantErr: true},
		{args: []any{"X-Secret", 1.0}, wantErr: true},
	} {
		p := predtest.Create(t, New(), tc.args, tc.wantErr)
		if tc.wantErr {
			continue
		}
		r := httptest.NewRequest("GET", "/", nil)
		if tc.value != "" {
			r.Header.Set("X-Secret", tc.value)
		}
		if got := p.Match(r); got != tc.want {
			t.Errorf("%v with %q: %v, want %v", tc.args, tc.value, got, tc.want)
		}
	}
}

func TestNoAllocs(t *testing.T) {
	p, _ := New().Create([]any{"X-Secret", digest("a-secret-token-of-some-length")})
	r := httptest.NewRequest("GET", "/", nil)
	r.Header.Set("X-Secret", "a-secret-token-of-some-length")
	if n := testing.AllocsPerRun(100, func() { p.Match(r) }); n != 0 {
		t.Fatalf("%v allocs", n)
	}
}
