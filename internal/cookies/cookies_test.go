package cookies

import (
	"net/http/httptest"
	"testing"
)

func TestValue(t *testing.T) {
	for _, tc := range []struct {
		headers []string
		name    string
		want    string
		found   bool
	}{
		{nil, "a", "", false},
		{[]string{"a=1"}, "a", "1", true},
		{[]string{"b=2; a=1"}, "a", "1", true},
		{[]string{"b=2;a=1"}, "a", "1", true},
		{[]string{"a="}, "a", "", true},
		{[]string{`a="q"`}, "a", "q", true},
		{[]string{"aa=1; a1=2"}, "a", "", false},
		{[]string{"x=1", "a=3; a=4"}, "a", "3", true},
		{[]string{"a=x=y"}, "a", "x=y", true},
		{[]string{"junk; a=5"}, "a", "5", true},
		{[]string{"e"}, "e", "", true},
		{[]string{"x=1; e ; y=2"}, "e", "", true},
		{[]string{"a= 1"}, "a", " 1", true},
		{[]string{"a=\\x; a=ok"}, "a", "ok", true},
		{[]string{` a =1`}, "a", "1", true},
	} {
		r := httptest.NewRequest("GET", "/", nil)
		for _, h := range tc.headers {
			r.Header.Add("Cookie", h)
		}
		got, found := Value(r.Header, tc.name)
		// net/http's reading is the reference.
		if c, err := r.Cookie(tc.name); (err == nil) != found || (err == nil && c.Value != got) {
			t.Errorf("%q in %q: net/http reads %v %v, Value %q %v", tc.name, tc.headers, c, err, got, found)
		}
		if got != tc.want || found != tc.found {
			t.Errorf("%q in %q: got %q,%v want %q,%v", tc.name, tc.headers, got, found, tc.want, tc.found)
		}
	}
}

// Value reads what Request.Cookie reads, line for line.
func TestValueMatchesNetHTTP(t *testing.T) {
	lines := []string{
		"a=1", " a = 1 ", "a= 1", `a="1"`, `a="1`, `a=""`, `a="`, "a", "a=", "a=1=2",
		"b=2; a=3", "b=2;a=3;a=4", ";;a=5;;", "a=x y", `a=x"y`, `a=x\y`, "a=x,y", "a=\x7f", "a=é",
		"A=1", "a\t=1", "a=1\t", "",
	}
	for _, line := range lines {
		r := httptest.NewRequest("GET", "/", nil)
		r.Header.Set("Cookie", line)
		c, err := r.Cookie("a")
		v, ok := Value(r.Header, "a")
		if ok != (err == nil) || ok && v != c.Value {
			t.Errorf("Cookie: %q: Value = %q, %v; net/http = %v, %v", line, v, ok, c, err)
		}
	}
}
