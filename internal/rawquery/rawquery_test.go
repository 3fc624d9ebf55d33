package rawquery

import (
	"net/url"
	"reflect"
	"testing"
)

func TestNext(t *testing.T) {
	for _, raw := range []string{
		"",
		"a=1",
		"a=1&a=2&b=3",
		"b=3&a=",
		"a",
		"a=1;b=2&a=3",
		"a=%zz&a=ok",
		"%61=x&a%3d=y",
		"a=x+y%20z",
		"&&a=1&",
		"a=b=c",
		"b=1",
	} {
		// On an error ParseQuery still returns the pairs it accepted.
		want, _ := url.ParseQuery(raw)
		for _, key := range []string{"a", "b", "a="} {
			var got []string
			r := raw
			for {
				v, ok := Next(&r, key)
				if !ok {
					break
				}
				got = append(got, v)
			}
			if r != "" {
				t.Errorf("%q %q: rest %q after the last value", raw, key, r)
			}
			if !reflect.DeepEqual(got, want[key]) {
				t.Errorf("%q %q: got %q, url.ParseQuery says %q", raw, key, got, want[key])
			}
		}
	}
}

func TestNextNoAllocs(t *testing.T) {
	raw := "x=1&y=2&key=value&z=3"
	n := testing.AllocsPerRun(100, func() {
		r := raw
		if v, ok := Next(&r, "key"); !ok || v != "value" {
			t.Fatal(v, ok)
		}
	})
	if n != 0 {
		t.Errorf("%v allocations", n)
	}
}
