package routing

import (
	"fmt"
	"math/rand/v2"
	"net/http"
	"sort"
	"strings"
	"testing"

	"github.com/skiff-proxy/skiff/eskip"
)

// localDrop drops routes whose id ends in "7", like an LB post-processor
// dropping a route without endpoints; it is route-local.
type localDrop struct{ local bool }

func (l localDrop) RouteLocal() bool { return l.local }

func (localDrop) Do(rs []*Route) ([]*Route, []InvalidRoute) {
	var keep []*Route
	var dropped []InvalidRoute
	for _, r := range rs {
		if strings.HasSuffix(r.Id, "7") {
			dropped = append(dropped, InvalidRoute{Id: r.Id, Reason: ReasonInvalidLB})
			continue
		}
		keep = append(keep, r)
	}
	return keep, dropped
}

type localCopy struct{ copyPost }

func (localCopy) RouteLocal() bool { return true }

func summary(tbl *Table) string {
	var b strings.Builder
	for _, r := range tbl.Routes() {
		fmt.Fprintf(&b, "%s:%d ", r.Id, r.Weight)
	}
	b.WriteString("| ")
	for _, i := range tbl.Invalid() {
		fmt.Fprintf(&b, "%s:%s ", i.Id, i.Reason)
	}
	b.WriteString("| ")
	names := make([]string, 0, len(tbl.predicateUse))
	for n := range tbl.predicateUse {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		fmt.Fprintf(&b, "%s:%d ", n, tbl.predicateUse[n])
	}
	return b.String()
}

type outcome struct {
	id     string
	params string
}

func lookup(tbl *Table, r *http.Request) outcome {
	var ps Params
	rt := tbl.Match(r, &ps)
	if rt == nil {
		return outcome{}
	}
	var kv []string
	for i := range ps.Len() {
		n, v := ps.At(i)
		kv = append(kv, n+"="+v)
	}
	sort.Strings(kv)
	return outcome{rt.Id, strings.Join(kv, ",")}
}

// TestIncrementalEqualsFullBuild applies random changes through the
// copy-on-write path and compares every table with one built from scratch,
// and checks that older tables did not change.
func TestIncrementalEqualsFullBuild(t *testing.T) {
	ppSets := map[string][]PostProcessor{
		"none":      nil,
		"local":     {localDrop{local: true}, localCopy{}},
		"non-local": {localDrop{local: false}},
	}
	for name, pps := range ppSets {
		t.Run(name, func(t *testing.T) {
			for seed := uint64(1); seed <= 4; seed++ {
				rng := rand.New(rand.NewPCG(seed, 99))
				o := testOptions()
				o.PostProcessors = pps
				o.IgnoreTrailingSlash = seed%2 == 0
				if seed%3 != 0 {
					o.shardHosts = 2 // exercise split host indexes
				}
				defs := map[string]*eskip.Route{}
				next := 0
				add := func() {
					d := genRoute(rng, next)
					if rng.IntN(15) == 0 {
						d.Predicates = append(d.Predicates, p("Nope"))
					}
					defs[d.Id] = d
					next++
				}
				for range 150 {
					add()
				}
				cache := map[string]*cached{}
				var prev *Table
				incremental := 0
				type old struct {
					tbl  *Table
					reqs []*http.Request
					want []outcome
				}
				var olds []old
				for gen := uint64(1); gen <= 30; gen++ {
					// change a few routes
					for range rng.IntN(4) {
						add()
					}
					ids := make([]string, 0, len(defs))
					for id := range defs {
						ids = append(ids, id)
					}
					sort.Strings(ids)
					for range rng.IntN(4) {
						delete(defs, ids[rng.IntN(len(ids))])
					}
					for range rng.IntN(4) {
						id := ids[rng.IntN(len(ids))]
						if _, ok := defs[id]; ok {
							d := genRoute(rng, 0)
							d.Id = id
							defs[id] = d
						}
					}
					if gen%10 == 0 { // an equal definition in a new object
						for id, d := range defs {
							c := *d
							defs[id] = &c
							break
						}
					}
					list := make([]*eskip.Route, 0, len(defs))
					srcs := make([]string, 0, len(defs))
					for _, d := range defs {
						list = append(list, d)
						srcs = append(srcs, "c")
					}
					tbl := build(buildInput{defs: list, sources: srcs, unique: true, cache: cache, gen: gen, managed: true, prev: prev}, o)
					if tbl.incremental {
						incremental++
					}
					full := Build(list, o)
					if a, b := summary(tbl), summary(full); a != b {
						t.Fatalf("seed %d gen %d: lists differ\nincremental %s\nfull        %s", seed, gen, a, b)
					}
					var reqs []*http.Request
					var want []outcome
					for range 150 {
						r := genRequest(rng)
						got, exp := lookup(tbl, r), lookup(full, r)
						if got != exp {
							t.Fatalf("seed %d gen %d %s %s%s: incremental %v, full %v", seed, gen, r.Method, r.Host, r.URL.Path, got, exp)
						}
						reqs, want = append(reqs, r), append(want, got)
					}
					for _, o := range olds {
						for i, r := range o.reqs {
							if got := lookup(o.tbl, r); got != o.want[i] {
								t.Fatalf("seed %d gen %d: an older table changed: %s%s now %v, was %v", seed, gen, r.Host, r.URL.Path, got, o.want[i])
							}
						}
					}
					olds = append(olds, old{tbl, reqs, want})
					if len(olds) > 3 {
						olds = olds[1:]
					}
					prev = tbl
				}
				if name == "non-local" && incremental > 0 {
					t.Fatal("non-local post-processor: incremental path used")
				}
				if name != "non-local" && incremental < 20 {
					t.Fatalf("incremental path used %d times of 30", incremental)
				}
			}
		})
	}
}
