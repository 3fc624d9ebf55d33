package contentlength

import (
	"net/http/httptest"
	"testing"

	"github.com/skiff-proxy/skiff/predicates/internal/predtest"
)

func TestContentLengthBetween(t *testing.T) {
	for _, tc := range []struct {
		args    []any
		length  int64
		want    bool
		wantErr bool
	}{
		{args: []any{0.0, 100.0}, length: 0, want: true},
		{args: []any{0.0, 100.0}, length: 99, want: true},
		{args: []any{0.0, 100.0}, length: 100, want: false},
		{args: []any{10.0, 100.0}, length: 9, want: false},
		{args: []any{0.0, 100.0}, length: -1, want: false},
		{args: []any{1000.0, 1e12}, length: 5e9, want: true},
		{args: []any{0.0}, wantErr: true},
		{args: []any{5.0, 5.0}, wantErr: true},
		{args: []any{6.0, 5.0}, wantErr: true},
		{args: []any{-1.0, 5.0}, wantErr: true},
		{args: []any{1.5, 5.0}, wantErr: true},
		{args: []any{"0", 5.0}, wantErr: true},
	} {
		p := predtest.Create(t, New(), tc.args, tc.wantErr)
		if tc.wantErr {
			continue
		}
		r := httptest.NewRequest("POST", "/", nil)
		r.ContentLength = tc.length
		if got := p.Match(r); got != tc.want {
			t.Errorf("%v with length %d: %v, want %v", tc.args, tc.length, got, tc.want)
		}
	}
}
