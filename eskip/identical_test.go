package eskip

import (
	"math"
	"strings"
	"testing"
)

func TestIdentical(t *testing.T) {
	parse := func(s string) *Route {
		t.Helper()
		r, err := ParseDocument("x", []byte(s))
		if err != nil {
			t.Fatal(err)
		}
		return r[0]
	}
	base := `r: Host(/a/) && Header("A", "b") && HeaderRegexp("C", /d/) && Method("GET") && Cookie("k", /v/) && Traffic(.5) -> setPath("/x") -> f(1, "a") -> <roundRobin, "http://a", "http://b">`
	for _, tc := range []struct {
		other string
		same  bool
	}{
		{base, true},
		{"\n\n  " + base, true}, // positions are ignored
		{strings.Replace(base, "r:", "q:", 1), false},
		{strings.Replace(base, "/a/", "/z/", 1), false},
		{strings.Replace(base, `"b")`, `"B")`, 1), false},
		{strings.Replace(base, "/d/", "/e/", 1), false},
		{strings.Replace(base, `"GET"`, `"PUT"`, 1), false},
		{strings.Replace(base, "Traffic(.5)", "Traffic(.6)", 1), false},
		{strings.Replace(base, `f(1, "a")`, `f("1", "a")`, 1), false},
		{strings.Replace(base, "roundRobin", "random", 1), false},
		{strings.Replace(base, `"http://b"`, `"http://c"`, 1), false},
		{strings.Replace(base, `-> f(1, "a") `, "", 1), false},
		// order is significant, unlike for Eq
		{strings.Replace(base, `Cookie("k", /v/) && Traffic(.5)`, `Traffic(.5) && Cookie("k", /v/)`, 1), false},
		{strings.Replace(base, `"http://a", "http://b"`, `"http://b", "http://a"`, 1), false},
	} {
		if got := Identical(parse(base), parse(tc.other)); got != tc.same {
			t.Errorf("%s: identical=%v, want %v", tc.other, got, tc.same)
		}
	}
}

func TestIdenticalArgTypes(t *testing.T) {
	route := func(args ...any) *Route {
		return &Route{Id: "r", Filters: []*Filter{{Name: "f", Args: args}}}
	}
	for _, tc := range []struct {
		name string
		a, b *Route
		same bool
	}{
		{"nil both", nil, nil, true},
		{"nil one", route(), nil, false},
		{"int", route(1), route(1), true},
		{"int differs", route(1), route(2), false},
		{"int vs float", route(1), route(1.0), false},
		{"NaN", route(math.NaN()), route(math.NaN()), false},
		{"other type", route([]string{"a"}), route([]string{"a"}), false},
		{"arg count", route("a"), route("a", "b"), false},
	} {
		if got := Identical(tc.a, tc.b); got != tc.same {
			t.Errorf("%s: identical=%v, want %v", tc.name, got, tc.same)
		}
	}
	r := route([]string{"a"})
	if !Identical(r, r) {
		t.Error("a route is identical to itself")
	}
}
