package cfhttp

import "testing"

func BenchmarkNewRequestID(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		_ = NewRequestID()
	}
}

func BenchmarkParseAppInstance(b *testing.B) {
	v := guid + ":12"
	b.ReportAllocs()
	for b.Loop() {
		if _, _, ok := ParseAppInstance(v); !ok {
			b.Fatal("rejected")
		}
	}
}

func BenchmarkErrorBody(b *testing.B) {
	e := UnknownRoute("nope.test:8081")
	b.ReportAllocs()
	for b.Loop() {
		_ = e.Body()
	}
}
