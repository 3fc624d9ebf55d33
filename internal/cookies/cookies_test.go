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
	} {
		r := httptest.NewRequest("GET", "/", nil)
		for _, h := range tc.headers {
			r.Header.Add("Cookie", h)
		}
		got, found := Value(r.Header, tc.name)
		if got != tc.want || found != tc.found {
			t.Errorf("%q in %q: got %q,%v want %q,%v", tc.name, tc.headers, got, found, tc.want, tc.found)
		}
	}
}
