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

func BenchmarkRequestedInstance(b *testing.B) {
	req := requestWithCookies("theme=dark; JSESSIONID=s1; __VCAP_ID__=8f1c2c0e-1d1e-4b59-9d1b-000000000001")
	b.ReportAllocs()
	for b.Loop() {
		if _, ok := RequestedInstance(req, defaultSticky); !ok {
			b.Fatal("no instance")
		}
	}
}

func BenchmarkClassifyDialError(b *testing.B) {
	req := requestWithCookies()
	b.ReportAllocs()
	for b.Loop() {
		if c := Classify(errRefused, req, false, false); !c.Retriable {
			b.Fatal("not retriable")
		}
	}
}
