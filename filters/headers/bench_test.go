package headers

import (
	"net/http/httptest"
	"testing"

	"github.com/skiff-proxy/skiff/filters/filtertest"
)

func BenchmarkSetRequestHeader(b *testing.B) {
	for _, tc := range []struct{ name, value string }{
		{"static", "value"},
		{"template", "${request.header.X-In}"},
		{"template-composite", "id=${id};in=${request.header.X-In}"},
	} {
		b.Run(tc.name, func(b *testing.B) {
			r := httptest.NewRequest("GET", "/", nil)
			r.Header.Set("X-In", "in")
			ctx := filtertest.NewContext(r)
			ctx.FParams["id"] = "42"
			f := filtertest.Create(b, spec(b, "setRequestHeader"), "X-Out", tc.value)
			b.ReportAllocs()
			for b.Loop() {
				f.Request(ctx)
			}
		})
	}
}

func BenchmarkSetResponseHeader(b *testing.B) {
	ctx := filtertest.NewContext(httptest.NewRequest("GET", "/", nil))
	f := filtertest.Create(b, spec(b, "setResponseHeader"), "X-Out", "value")
	rec := httptest.NewRecorder()
	rsp := rec.Result()
	ctx.FResponse = rsp
	b.ReportAllocs()
	for b.Loop() {
		f.Response(ctx)
	}
}
