package otel

import (
	"net/http/httptest"
	"testing"

	"go.opentelemetry.io/otel/baggage"

	"github.com/skiff-proxy/skiff/predicates/internal/predtest"
)

func TestOTelBaggage(t *testing.T) {
	for _, tc := range []struct {
		args    []any
		header  string
		want    bool
		wantErr bool
	}{
		{args: []any{"tenant"}, header: "tenant=a", want: true},
		{args: []any{"tenant"}, header: "user=1,tenant=a;prop=x", want: true},
		{args: []any{"tenant"}, header: "user=1", want: false},
		{args: []any{"tenant"}, header: "", want: false},
		{args: []any{"tenant"}, header: "tenant", want: false}, // not a member: no '='
		{args: []any{"tenant"}, header: "%%%=,", want: false},
		{args: []any{}, wantErr: true},
		{args: []any{1.0}, wantErr: true},
	} {
		p := predtest.Create(t, New(), tc.args, tc.wantErr)
		if tc.wantErr {
			continue
		}
		r := httptest.NewRequest("GET", "/", nil)
		if tc.header != "" {
			r.Header.Set("Baggage", tc.header)
		}
		if got := p.Match(r); got != tc.want {
			t.Errorf("OTelBaggage%v with %q: %v, want %v", tc.args, tc.header, got, tc.want)
		}
	}
	// Baggage a tracing handler put in the context counts first.
	m, _ := baggage.NewMember("tenant", "a")
	b, _ := baggage.New(m)
	p := predtest.Create(t, New(), []any{"tenant"}, false)
	r := httptest.NewRequest("GET", "/", nil)
	if !p.Match(r.WithContext(baggage.ContextWithBaggage(r.Context(), b))) {
		t.Error("baggage in the context not seen")
	}
}
