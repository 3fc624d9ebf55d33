package routing

import (
	"net/http"
	"testing"

	"github.com/skiff-proxy/skiff/dataclients"
	"github.com/skiff-proxy/skiff/eskip"
)

// keySpec is a keyed predicate spec resolving the X-Key header: a request
// takes the route KeyIs(<its X-Key>), or none when the header is absent.
type keySpec struct{}

func (keySpec) Name() string { return "KeyIs" }
func (keySpec) Create(args []any) (Predicate, error) {
	s, err := stringArgs(&eskip.Predicate{Name: "KeyIs", Args: args}, 1)
	if err != nil {
		return nil, err
	}
	return keyPred{KeyedIndexKey("KeyIs", s[0])}, nil
}
func (keySpec) Resolve(r *http.Request) (string, bool) {
	k := r.Header.Get("X-Key")
	if k == "" {
		return "", false
	}
	return KeyedIndexKey("KeyIs", k), true
}

type keyPred struct{ key string }

func (k keyPred) IndexKey() string { return k.key }
func (k keyPred) Match(r *http.Request) bool {
	rk, ok := keySpec{}.Resolve(r)
	return ok && rk == k.key
}

func keyedOptions() BuildOptions {
	o := testOptions()
	o.Predicates.Register(keySpec{})
	return o
}

func TestKeyedRoutesComeBeforeTheTree(t *testing.T) {
	defs := []*eskip.Route{
		route("ka", p("KeyIs", "a")),
		route("kb", p("KeyIs", "b"), p("HeaderIs", "X-B", "1")),
		route("tree", p(PathSubtreeName, "/")),
		route("hosted", p(HostName, "^h$")),
	}
	tbl := Build(defs, keyedOptions())
	if len(tbl.Invalid()) > 0 {
		t.Fatalf("invalid: %+v", tbl.Invalid())
	}
	cases := []struct {
		name string
		r    *http.Request
		want string
	}{
		{"index wins over the tree", req("GET", "http://h/x", "X-Key", "a"), "ka"},
		{"no key: the tree decides", req("GET", "http://h/x"), "tree"},
		{"unknown key: the tree decides", req("GET", "http://h/x", "X-Key", "zz"), "tree"},
		{"keyed route's other conditions fail", req("GET", "http://h/x", "X-Key", "b"), "tree"},
		{"keyed route's other conditions hold", req("GET", "http://h/x", "X-Key", "b", "X-B", "1"), "kb"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if got, _ := matchID(t, tbl, c.r); got != c.want {
				t.Errorf("got %q, want %q", got, c.want)
			}
		})
	}
	// A request whose Host is an index key finds nothing through the host
	// index: keyed routes are reachable only through Resolve.
	r := req("GET", "http://h/x")
	r.Host = KeyedIndexKey("KeyIs", "a")
	tbl2 := Build(defs[:1], keyedOptions())
	if got, _ := matchID(t, tbl2, r); got != "" {
		t.Errorf("Host equal to an index key matched %q", got)
	}
}

func TestKeyedRouteRejectsPath(t *testing.T) {
	tbl := Build([]*eskip.Route{route("k", p("KeyIs", "a"), p(PathName, "/a"))}, keyedOptions())
	if inv := tbl.Invalid(); len(inv) != 1 || inv[0].Reason != ReasonInvalidPredicateParams {
		t.Fatalf("invalid = %+v, want one with %s", inv, ReasonInvalidPredicateParams)
	}
}

func TestKeyedRoutesWithoutHostIndex(t *testing.T) {
	o := keyedOptions()
	o.noHostIndex = true
	tbl := Build([]*eskip.Route{route("ka", p("KeyIs", "a")), route("tree", p(PathSubtreeName, "/"))}, o)
	// The route lands in the general list; its predicate's Match stands
	// in for the index.
	if got, _ := matchID(t, tbl, req("GET", "http://h/", "X-Key", "a")); got != "ka" {
		t.Errorf("got %q, want ka", got)
	}
	if got, _ := matchID(t, tbl, req("GET", "http://h/", "X-Key", "b")); got != "tree" {
		t.Errorf("got %q, want tree", got)
	}
}

// Keyed routes added and removed by incremental builds are found, and the
// table stops consulting the spec when its last keyed route is gone.
func TestKeyedRoutesIncremental(t *testing.T) {
	c := newChanClient("c")
	o := Options{DataClients: []dataclients.DataClient{c}}
	bo := keyedOptions()
	o.Filters, o.Predicates = bo.Filters, bo.Predicates
	rr := startRouting(t, o)
	var base []*eskip.Route
	for i := range 40 {
		base = append(base, route("r"+string(rune('a'+i%26))+string(rune('a'+i/26)), p(PathName, "/p"+string(rune('a'+i%26))+string(rune('a'+i/26)))))
	}
	base = append(base, route("tree", p(PathSubtreeName, "/")))
	c.send(t, dataclients.Update{Reset: true, Upserts: base})
	waitFor(t, rr.Routing, "base", func(tbl *Table) bool { return len(tbl.Routes()) == len(base) })

	c.send(t, dataclients.Update{Upserts: []*eskip.Route{route("kx", p("KeyIs", "x"))}})
	tbl := waitFor(t, rr.Routing, "kx", func(tbl *Table) bool { return len(tbl.Routes()) == len(base)+1 })
	if !tbl.incremental {
		t.Fatal("adding one route was not an incremental build")
	}
	if got, _ := matchID(t, tbl, req("GET", "http://h/", "X-Key", "x")); got != "kx" {
		t.Errorf("after add: got %q, want kx", got)
	}
	c.send(t, dataclients.Update{Deletes: []string{"kx"}})
	tbl = waitFor(t, rr.Routing, "kx gone", func(tbl *Table) bool { return len(tbl.Routes()) == len(base) })
	if got, _ := matchID(t, tbl, req("GET", "http://h/", "X-Key", "x")); got != "tree" {
		t.Errorf("after delete: got %q, want tree", got)
	}
	if len(tbl.keyed) != 0 {
		t.Errorf("table still consults %d keyed specs", len(tbl.keyed))
	}
}

func TestExplainKeyedWinner(t *testing.T) {
	tbl := Build([]*eskip.Route{route("ka", p("KeyIs", "a")), route("tree", p(PathSubtreeName, "/"))}, keyedOptions())
	ex := tbl.Explain(req("GET", "http://h/x", "X-Key", "a"))
	if ex.Route == nil || ex.Route.Id != "ka" {
		t.Fatalf("winner %v, want ka", ex.Route)
	}
	if len(ex.Steps) == 0 || ex.Steps[0].Key != KeyedStepKey {
		t.Errorf("first step %+v, want the index step", ex.Steps)
	}
	got := map[string]ExplainOutcome{}
	for _, v := range ex.Verdicts {
		got[v.Route.Id] = v.Outcome
	}
	if got["ka"] != ExplainWon || got["tree"] != ExplainOutranked {
		t.Errorf("verdicts %v, want ka won and tree outranked", got)
	}
}
