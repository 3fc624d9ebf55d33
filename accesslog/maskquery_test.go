package accesslog

import "testing"

func TestMaskQuery(t *testing.T) {
	keys := map[string]struct{}{"key": {}, "a b": {}}
	const (
		secret = "2785137068760415354"  // xxhash64("secret")
		one    = "13237225503670494420" // xxhash64("1")
		space  = "1215304677793509912"  // xxhash64("a b")
		bad    = "13671740546554638491" // xxhash64("x%zz")
	)
	for _, tc := range []struct{ uri, want string }{
		{"/p?key=secret", "/p?key=" + secret},
		{"/p?x=1&key=secret&y=2", "/p?x=1&key=" + secret + "&y=2"},
		{"/p?key=secret&key=1", "/p?key=" + secret + "&key=" + one},
		{"/p?key=a+b&k%65y=a%20b", "/p?key=" + space + "&k%65y=" + space},
		{"/p?a+b=1&a%20b=1", "/p?a+b=" + one + "&a%20b=" + one},
		{"/p?key=x%zz", "/p?key=" + bad},
		{"/p?key=&key", "/p?key=&key"},
		{"/p?other=secret", "/p?other=secret"},
		{"/p?keys=secret&mykey=secret", "/p?keys=secret&mykey=secret"},
		{"/p", "/p"},
		{"/p?", "/p?"},
		{"/p?&&key=1&&", "/p?&&key=" + one + "&&"},
		{"/p?key=a=b", "/p?key=" + "8701684604110956767" /* xxhash64("a=b") */},
		{"http://h/p?key=1", "http://h/p?key=" + one},
	} {
		if got := MaskQuery(tc.uri, keys); got != tc.want {
			t.Errorf("MaskQuery(%q) = %q, want %q", tc.uri, got, tc.want)
		}
	}
	if got := MaskQuery("/p?key=1", nil); got != "/p?key=1" {
		t.Errorf("no keys: %q", got)
	}
	uri := "/p?x=1&y=2"
	if n := testing.AllocsPerRun(100, func() { MaskQuery(uri, keys) }); n != 0 {
		t.Errorf("%v allocations when nothing is masked", n)
	}
}
