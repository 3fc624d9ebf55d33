package jwt

import (
	"encoding/base64"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"

	"github.com/skiff-proxy/skiff/predicates/internal/predtest"
	"github.com/skiff-proxy/skiff/routing"
)

// token builds an unsigned-looking JWT with the given JSON payload.
func token(payload string) string {
	enc := base64.RawURLEncoding.EncodeToString
	return enc([]byte(`{"alg":"RS256","kid":"k"}`)) + "." + enc([]byte(payload)) + ".c2ln"
}

const google = `{"iss":"https://accounts.google.com","email":"skipper-router@googlegroups.com","sub":"42","n":7}`

func TestMatch(t *testing.T) {
	for _, tc := range []struct {
		name string
		spec string
		args []any
		auth string
		want bool
	}{
		// skipper's documented examples
		{"any one pair", AnyKVName, []any{"iss", "https://accounts.google.com"}, "Bearer " + token(google), true},
		{"any two pairs", AnyKVName, []any{"iss", "https://accounts.google.com", "email", "skipper-router@googlegroups.com"},
			"Bearer " + token(`{"iss":"other","email":"skipper-router@googlegroups.com"}`), true},
		{"all one pair", AllKVName, []any{"iss", "https://accounts.google.com"}, "Bearer " + token(google), true},
		{"all two pairs", AllKVName, []any{"iss", "https://accounts.google.com", "email", "skipper-router@googlegroups.com"},
			"Bearer " + token(google), true},
		{"all two pairs, one differs", AllKVName, []any{"iss", "https://accounts.google.com", "email", "skipper-router@googlegroups.com"},
			"Bearer " + token(`{"iss":"https://accounts.google.com","email":"x@example.org"}`), false},
		{"all regexp", AllKVRegexpName, []any{"iss", "^https://"}, "Bearer " + token(google), true},
		{"any regexp", AnyKVRegexpName, []any{"iss", "^https://"}, "Bearer " + token(google), true},
		{"any regexp, no match", AnyKVRegexpName, []any{"iss", "^https://"}, "Bearer " + token(`{"iss":"http://a"}`), false},

		{"any: no pair matches", AnyKVName, []any{"iss", "x", "email", "y"}, "Bearer " + token(google), false},
		{"any: one of the values of a key", AnyKVName, []any{"sub", "1", "sub", "42"}, "Bearer " + token(google), true},
		{"all: two values of one key never match", AllKVName, []any{"sub", "1", "sub", "42"}, "Bearer " + token(google), false},
		{"all: fewer claims than keys", AllKVName, []any{"a", "1", "b", "2"}, "Bearer " + token(`{"a":"1"}`), false},
		{"all regexp: several pairs", AllKVRegexpName, []any{"sub", "^4", "email", "@googlegroups[.]com$"}, "Bearer " + token(google), true},
		{"number claim never matches", AnyKVName, []any{"n", "7"}, "Bearer " + token(google), false},
		{"number claim never matches a regexp", AnyKVRegexpName, []any{"n", "."}, "Bearer " + token(google), false},
		{"missing claim", AnyKVName, []any{"aud", "x"}, "Bearer " + token(google), false},

		{"no header", AnyKVName, []any{"sub", "42"}, "", false},
		{"scheme is case-sensitive", AnyKVName, []any{"sub", "42"}, "bearer " + token(google), false},
		{"other scheme", AnyKVName, []any{"sub", "42"}, "Foo " + token(google), false},
		{"two parts", AnyKVName, []any{"sub", "42"}, "Bearer a." + base64.RawURLEncoding.EncodeToString([]byte(google)), false},
		{"four parts", AnyKVName, []any{"sub", "42"}, "Bearer " + token(google) + ".x", false},
		{"padded base64", AnyKVName, []any{"sub", "42"}, "Bearer a." + base64.URLEncoding.EncodeToString([]byte(`{"sub": "42"}`)) + ".s", false},
		{"bad base64", AnyKVName, []any{"sub", "42"}, "Bearer a.!!!.s", false},
		{"payload not an object", AnyKVName, []any{"sub", "42"}, "Bearer " + token(`["sub","42"]`), false},
		{"payload not JSON", AnyKVName, []any{"sub", "42"}, "Bearer " + token(`sub=42`), false},
		{"payload null", AllKVName, []any{"sub", "42"}, "Bearer " + token(`null`), false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := predtest.Create(t, specByName(t, tc.spec), tc.args, false)
			r := httptest.NewRequest("GET", "/", nil)
			if tc.auth != "" {
				r.Header.Set("Authorization", tc.auth)
			}
			if got := p.Match(r); got != tc.want {
				t.Errorf("%s%v with %q: %v, want %v", tc.spec, tc.args, tc.auth, got, tc.want)
			}
		})
	}
}

func TestCreateErrors(t *testing.T) {
	for _, tc := range []struct {
		spec string
		args []any
	}{
		{AnyKVName, nil},
		{AllKVName, []any{"uid"}},
		{AllKVName, []any{"uid", "a", "b"}},
		{AnyKVName, []any{3.0, 5.0}},
		{AnyKVName, []any{"uid", 5.0}},
		{AnyKVRegexpName, []any{"uid", "^(?!4)", "claim1", "claimValue1"}},
		{AllKVRegexpName, []any{"uid", "["}},
	} {
		predtest.Create(t, specByName(t, tc.spec), tc.args, true)
	}
}

func specByName(t *testing.T, name string) routing.PredicateSpec {
	t.Helper()
	for _, s := range Specs() {
		if s.Name() == name {
			return s
		}
	}
	t.Fatalf("no spec %s", name)
	return nil
}

func TestNames(t *testing.T) {
	var names []string
	for _, s := range Specs() {
		names = append(names, s.Name())
	}
	want := []string{"JWTPayloadAnyKV", "JWTPayloadAllKV", "JWTPayloadAnyKVRegexp", "JWTPayloadAllKVRegexp"}
	if !slices.Equal(names, want) {
		t.Errorf("names %v, want %v", names, want)
	}
}

func TestErrorNamesPredicate(t *testing.T) {
	_, err := NewAllKV().Create([]any{"uid"})
	if err == nil || !strings.HasPrefix(err.Error(), "JWTPayloadAllKV: ") {
		t.Errorf("error %v does not name the predicate", err)
	}
}

func BenchmarkMatch(b *testing.B) {
	p, err := NewAllKV().Create([]any{"iss", "https://accounts.google.com"})
	if err != nil {
		b.Fatal(err)
	}
	r := httptest.NewRequest("GET", "/", nil)
	r.Header.Set("Authorization", "Bearer "+token(google))
	b.ReportAllocs()
	for b.Loop() {
		p.Match(r)
	}
}
