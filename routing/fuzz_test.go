package routing

import (
	"net/http"
	"net/url"
	"testing"

	"github.com/skiff-proxy/skiff/eskip"
)

var buildFuzzSeeds = []struct{ doc1, doc2, method, host, path string }{
	{`a: Path("/a/:x") -> "http://a"; b: * -> <shunt>`, `a: Path("/a/:y") -> "http://a"`, "GET", "h", "/a/1"},
	{`a: PathSubtree("/") && Host(/^x[.]/) -> setRequestHeader("a","b") -> <shunt>`, ``, "POST", "x.org", "/"},
	{`a: Path("/a/**") -> <loopback>; b: PathRegexp("[") -> <shunt>`, `b: Path("/a/*r") && Path("/b") -> <shunt>`, "GET", "", "//a/../b/"},
	{`a: Host("a", "b") -> <shunt>; b: HostAny("x", "y:80") -> <shunt>`, `b: HostAny() -> <shunt>`, "GET", "y:80", "/"},
	{`a: * -> <roundRobin, "http://a:1", "bad url">; b: * -> <random>`, `a: * -> <roundRobin, "http://a:1">`, "GET", "a", "/"},
	{`a: Weight(1e300) && Weight(-1e300) && HeaderIsW("a","b") -> "://x"`, `a: Path("") -> "http://[::1"`, "GET", "a", ""},
	{`a: Header("x", "y") && HeaderRegexp("x", "(") && Method("GET") -> <dynamic>`, `a: Nope() -> status(404) -> <forward>`, "get", "", "/%zz"},
	{`a: PathSubtree("/a/:b/*c") -> <shunt>; c: Path("/a/:b/:b") -> <shunt>`, `c: Path("/a/*") -> <shunt>`, "GET", "", "/a/x/y"},
}

// FuzzBuildMatch builds tables from parsed documents, the second one both
// from scratch and as a change of the first, and matches a request in each:
// nothing may panic, and both ways of building the second table must agree.
func FuzzBuildMatch(f *testing.F) {
	for _, s := range buildFuzzSeeds {
		f.Add(s.doc1, s.doc2, s.method, s.host, s.path)
	}
	f.Fuzz(func(t *testing.T, doc1, doc2, method, host, path string) {
		defs1, err := eskip.Parse(doc1)
		if err != nil {
			return
		}
		defs2, err := eskip.Parse(doc2)
		if err != nil {
			return
		}
		for i, d := range defs1 {
			if d.Id == "" {
				d.Id = "r" + string(rune('a'+i%26))
			}
		}
		for i, d := range defs2 {
			if d.Id == "" {
				d.Id = "s" + string(rune('a'+i%26))
			}
		}
		r := &http.Request{Method: method, Host: host, URL: &url.URL{Path: path}, Header: http.Header{"X": {host}, "A": {"b"}}}
		for _, ignore := range []bool{false, true} {
			o := testOptions()
			o.IgnoreTrailingSlash = ignore
			cache := map[string]*cached{}
			t1 := build(buildInput{defs: defs1, cache: cache, gen: 1, managed: true}, o)
			lookup(t1, r)
			// Keep unchanged routes of doc1 so the change is small enough
			// for the copy-on-write path.
			defs := append(append([]*eskip.Route(nil), defs1...), defs2...)
			t2 := build(buildInput{defs: defs, cache: cache, gen: 2, managed: true, prev: t1}, o)
			full := Build(defs, o)
			if a, b := summary(t2), summary(full); a != b {
				t.Fatalf("lists differ\nincremental %s\nfull        %s", a, b)
			}
			if a, b := lookup(t2, r), lookup(full, r); a != b {
				t.Fatalf("%s %s%s: incremental %v, full %v", method, host, path, a, b)
			}
			for _, inv := range full.Invalid() {
				if inv.Err == nil || inv.Reason == "" {
					t.Fatalf("invalid route without reason or error: %+v", inv)
				}
			}
		}
	})
}
