package predicates

import (
	"net/http/httptest"
	"testing"

	"github.com/skiff-proxy/skiff/predicates/traffic"
	"github.com/skiff-proxy/skiff/routing"
)

// BenchmarkMatch measures Match of each predicate on a typical request.
//
//	go test -run NONE -bench Match -benchmem ./predicates/
func BenchmarkMatch(b *testing.B) {
	reg := routing.PredicateRegistry{}
	Register(reg, Options{})
	r := httptest.NewRequest("GET", "/api?debug=1&v=123", nil)
	r.RemoteAddr = "10.1.2.3:5555"
	r.Header.Set("X-Forwarded-For", "192.0.2.7, 10.0.0.1")
	r.Header.Set("Cookie", "session=abc; beta=yes")
	r.Header.Set("X-Token", "secret")
	r.ContentLength = 100
	r = r.WithContext(traffic.WithSegment(r.Context()))
	for _, tc := range []struct {
		name string
		args []any
	}{
		{"True", nil},
		{"Shutdown", nil},
		{"Methods", []any{"POST", "GET"}},
		{"Cookie", []any{"beta", "^yes$"}},
		{"QueryParam", []any{"v", "^[0-9]+$"}},
		{"Traffic", []any{0.5}},
		{"TrafficSegment", []any{0.2, 0.7}},
		{"Source", []any{"192.0.2.0/24"}},
		{"SourceFromLast", []any{"10.0.0.0/8"}},
		{"ClientIP", []any{"10.0.0.0/8", "2001:db8::/32"}},
		{"Between", []any{0.0, 4e9}},
		{"Cron", []any{"* 0-23 * * *"}},
		{"ContentLengthBetween", []any{0.0, 1000.0}},
		{"HeaderSHA256", []any{"X-Token", "2bb80d537b1da3e38bd30361aa855686bde0eacd7162fef6a25fe97bf527a25b"}},
	} {
		p, err := reg[tc.name].Create(tc.args)
		if err != nil {
			b.Fatal(tc.name, err)
		}
		b.Run(tc.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				p.Match(r)
			}
		})
	}
}
