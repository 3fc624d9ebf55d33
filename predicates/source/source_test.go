package source

import (
	"errors"
	"net/http/httptest"
	"testing"

	"github.com/skiff-proxy/skiff/filters/specargs"
	"github.com/skiff-proxy/skiff/routing"
)

func TestMatch(t *testing.T) {
	type req struct {
		remote string
		xff    []string
	}
	for _, tc := range []struct {
		name string
		spec routing.PredicateSpec
		args []any
		req  req
		want bool
	}{
		{"ip", NewSource(), []any{"10.0.0.1"}, req{remote: "10.0.0.1:1234"}, true},
		{"other ip", NewSource(), []any{"10.0.0.1"}, req{remote: "10.0.0.2:1234"}, false},
		{"cidr", NewSource(), []any{"10.0.0.0/8"}, req{remote: "10.20.30.40:1"}, true},
		{"second arg", NewSource(), []any{"192.168.0.0/16", "10.0.0.0/8"}, req{remote: "10.1.1.1:1"}, true},
		{"xff first", NewSource(), []any{"1.2.3.4"}, req{remote: "10.0.0.1:1", xff: []string{"1.2.3.4, 5.6.7.8"}}, true},
		{"xff first not last", NewSource(), []any{"5.6.7.8"}, req{remote: "10.0.0.1:1", xff: []string{"1.2.3.4, 5.6.7.8"}}, false},
		{"xff first line", NewSource(), []any{"1.2.3.4"}, req{remote: "10.0.0.1:1", xff: []string{"1.2.3.4", "5.6.7.8"}}, true},
		{"xff garbage falls back", NewSource(), []any{"10.0.0.1"}, req{remote: "10.0.0.1:1", xff: []string{"unknown, 1.2.3.4"}}, true},
		{"xff with port", NewSource(), []any{"1.2.3.4"}, req{remote: "10.0.0.1:1", xff: []string{"1.2.3.4:5555"}}, true},
		{"ipv6 remote", NewSource(), []any{"2001:db8::/32"}, req{remote: "[2001:db8::1]:443"}, true},
		{"ipv6 in xff", NewSource(), []any{"2001:db8::1"}, req{remote: "10.0.0.1:1", xff: []string{"2001:db8::1"}}, true},
		{"mapped v4", NewSource(), []any{"10.0.0.0/8"}, req{remote: "[::ffff:10.0.0.5]:80"}, true},
		{"mapped v4 arg", NewSource(), []any{"::ffff:10.0.0.5"}, req{remote: "10.0.0.5:80"}, true},
		{"v4 not in v6 net", NewSource(), []any{"::/0"}, req{remote: "10.0.0.5:80"}, false},
		{"bad remote", NewSource(), []any{"0.0.0.0/0"}, req{remote: "nonsense"}, false},
		{"last", NewSourceFromLast(), []any{"5.6.7.8"}, req{remote: "10.0.0.1:1", xff: []string{"1.2.3.4, 5.6.7.8 "}}, true},
		{"last not first", NewSourceFromLast(), []any{"1.2.3.4"}, req{remote: "10.0.0.1:1", xff: []string{"1.2.3.4, 5.6.7.8"}}, false},
		{"last line", NewSourceFromLast(), []any{"9.9.9.9"}, req{remote: "10.0.0.1:1", xff: []string{"1.2.3.4, 5.6.7.8", "9.9.9.9"}}, true},
		{"last garbage falls back", NewSourceFromLast(), []any{"10.0.0.1"}, req{remote: "10.0.0.1:1", xff: []string{"1.2.3.4, x"}}, true},
		{"last no xff", NewSourceFromLast(), []any{"10.0.0.1"}, req{remote: "10.0.0.1:1"}, true},
		{"client ignores xff", NewClientIP(), []any{"1.2.3.4"}, req{remote: "10.0.0.1:1", xff: []string{"1.2.3.4"}}, false},
		{"client remote", NewClientIP(), []any{"10.0.0.0/24"}, req{remote: "10.0.0.1:1", xff: []string{"1.2.3.4"}}, true},
		{"client no port", NewClientIP(), []any{"10.0.0.1"}, req{remote: "10.0.0.1"}, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p, err := tc.spec.Create(tc.args)
			if err != nil {
				t.Fatal(err)
			}
			r := httptest.NewRequest("GET", "/", nil)
			r.RemoteAddr = tc.req.remote
			for _, x := range tc.req.xff {
				r.Header.Add("X-Forwarded-For", x)
			}
			if got := p.Match(r); got != tc.want {
				t.Errorf("%s%v: %v, want %v", tc.spec.Name(), tc.args, got, tc.want)
			}
		})
	}
}

func TestBadArgs(t *testing.T) {
	for _, spec := range []routing.PredicateSpec{NewSource(), NewSourceFromLast(), NewClientIP()} {
		for _, a := range [][]any{nil, {"10.0.0.300"}, {"10.0.0.0/33"}, {"x"}, {1.0}, {"10.0.0.1", "bad"}} {
			_, err := spec.Create(a)
			if !errors.Is(err, specargs.ErrInvalidPredicateParameters) {
				t.Errorf("%s%v: err %v, want ErrInvalid", spec.Name(), a, err)
			}
		}
	}
	_, err := NewClientIP().Create([]any{"10.0.0.1", "bad"})
	if want := `ClientIP: argument 2 ("bad") is not an IP address or CIDR: invalid predicate parameters`; err.Error() != want {
		t.Errorf("got %q", err)
	}
}

func TestNoAllocs(t *testing.T) {
	for _, spec := range []routing.PredicateSpec{NewSource(), NewSourceFromLast(), NewClientIP()} {
		p, _ := spec.Create([]any{"192.168.0.0/16", "2001:db8::/32"})
		r := httptest.NewRequest("GET", "/", nil)
		r.RemoteAddr = "[2001:db8::1]:1234"
		r.Header.Set("X-Forwarded-For", "10.1.1.1, 192.168.1.1")
		if n := testing.AllocsPerRun(100, func() { p.Match(r) }); n != 0 {
			t.Errorf("%s: %v allocs", spec.Name(), n)
		}
	}
}
