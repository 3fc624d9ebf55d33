package eskip

import (
	"encoding/json"
	"math"
	"math/rand"
	"strconv"
	"testing"
	"unicode/utf8"
)

// randString returns a string drawn from an alphabet rich in the bytes the
// printer has to escape.
func randString(r *rand.Rand) string {
	const alphabet = "ab/\\\"`[]()*&-><;:,. \n\t\r\a\b\f\v\x00\xa0\xc3\xa9z09$^"
	n := r.Intn(8)
	b := make([]byte, n)
	for i := range b {
		b[i] = alphabet[r.Intn(len(alphabet))]
	}
	return string(b)
}

func randArgs(r *rand.Rand) []any {
	n := r.Intn(4)
	if n == 0 {
		return nil
	}
	args := make([]any, n)
	for i := range args {
		switch r.Intn(4) {
		case 0:
			args[i] = float64(r.Intn(2000) - 1000)
		case 1:
			args[i] = r.NormFloat64() * math.Pow(10, float64(r.Intn(40)-20))
		default:
			args[i] = randString(r)
		}
	}
	return args
}

func randName(r *rand.Rand, upper bool) string {
	names := []string{"foo", "bar_baz", "x1", "_y", "setPath", "status"}
	n := names[r.Intn(len(names))]
	if upper {
		n = "P" + n
	}
	return n
}

func randRoute(r *rand.Rand, id string) *Route {
	rt := &Route{Id: id}
	if r.Intn(2) == 0 {
		rt.Path = randString(r)
	}
	for i := r.Intn(3); i > 0; i-- {
		rt.HostRegexps = append(rt.HostRegexps, randString(r))
	}
	for i := r.Intn(3); i > 0; i-- {
		rt.PathRegexps = append(rt.PathRegexps, randString(r))
	}
	if r.Intn(2) == 0 {
		rt.Method = randString(r)
	}
	for i := r.Intn(3); i > 0; i-- {
		if rt.Headers == nil {
			rt.Headers = map[string]string{}
		}
		rt.Headers[randString(r)] = randString(r)
	}
	for i := r.Intn(3); i > 0; i-- {
		if rt.HeaderRegexps == nil {
			rt.HeaderRegexps = map[string][]string{}
		}
		k := randString(r)
		rt.HeaderRegexps[k] = append(rt.HeaderRegexps[k], randString(r))
	}
	for i := r.Intn(3); i > 0; i-- {
		rt.Predicates = append(rt.Predicates, &Predicate{Name: randName(r, true), Args: randArgs(r)})
	}
	for i := r.Intn(3); i > 0; i-- {
		rt.Filters = append(rt.Filters, &Filter{Name: randName(r, false), Args: randArgs(r)})
	}
	rt.BackendType = BackendType(r.Intn(6))
	switch rt.BackendType {
	case NetworkBackend:
		rt.Backend = randString(r)
	case LBBackend:
		if r.Intn(2) == 0 {
			rt.LBAlgorithm = "roundRobin"
		}
		for i := 1 + r.Intn(3); i > 0; i-- {
			ep := &LBEndpoint{Address: "http://10.0.0." + strconv.Itoa(r.Intn(255)) + ":8080"}
			if r.Intn(2) == 0 {
				ep.Zone = "eu-" + randString(r)
			}
			rt.LBEndpoints = append(rt.LBEndpoints, ep)
		}
	}
	return rt
}

// TestRoundTripRandomRoutes checks that printing and parsing again, in both
// layouts, and JSON encoding give back equal routes.
func TestRoundTripRandomRoutes(t *testing.T) {
	r := rand.New(rand.NewSource(1))
	for i := 0; i < 2000; i++ {
		routes := []*Route{randRoute(r, "r"+strconv.Itoa(i)), randRoute(r, "s"+strconv.Itoa(i))}
		for _, info := range []PrettyPrintInfo{{}, {Pretty: true, IndentStr: "\t"}} {
			text := Print(info, routes...)
			back, err := Parse(text)
			if err != nil {
				t.Fatalf("printed routes do not parse: %v\n%s", err, text)
			}
			if !EqLists(routes, back) {
				t.Fatalf("round trip changed routes:\n%s\n%s", text, String(back...))
			}
		}
		b, back := jsonRoundTrip(t, routes)
		// JSON carries strings as UTF-8 text; compare only valid ones.
		if utf8.ValidString(String(routes...)) && !EqLists(routes, back) {
			t.Fatalf("JSON round trip changed routes:\n%s\n%s", b, String(back...))
		}
	}
}

func TestRoundTripSingleExpression(t *testing.T) {
	r := rand.New(rand.NewSource(2))
	for i := 0; i < 500; i++ {
		rt := randRoute(r, "")
		back, err := Parse(rt.String())
		if err != nil || len(back) != 1 || !Eq(rt, back[0]) {
			t.Fatalf("expression %q: %v", rt.String(), err)
		}
	}
}

// jsonRoundTrip encodes routes as JSON and decodes them again.
func jsonRoundTrip(t testing.TB, routes []*Route) ([]byte, []*Route) {
	t.Helper()
	b, err := json.Marshal(routes)
	if err != nil {
		t.Fatal(err)
	}
	var back []*Route
	if err := json.Unmarshal(b, &back); err != nil {
		t.Fatal(err)
	}
	return b, back
}
