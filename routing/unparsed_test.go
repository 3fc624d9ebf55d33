package routing

import (
	"fmt"
	"strings"
	"testing"

	"github.com/skiff-proxy/skiff/dataclients"
	"github.com/skiff-proxy/skiff/eskip"
)

func badDef(id string, line int) dataclients.InvalidRoute {
	return dataclients.InvalidRoute{
		Id:  id,
		Pos: eskip.Position{Source: "/skipper/routes/" + id, Line: line, Column: 3},
		Err: fmt.Errorf("unexpected token at line %d", line),
	}
}

func invalidSummary(tbl *Table) string {
	var parts []string
	for _, inv := range tbl.Invalid() {
		s := inv.Id + ":" + inv.Reason + "@" + strings.TrimSuffix(inv.Where(), ": ")
		if inv.Stale {
			s += ":stale"
		}
		parts = append(parts, s)
	}
	return strings.Join(parts, " ")
}

func shunt(id, path string) *eskip.Route {
	r := route(id, p("Path", path))
	r.BackendType = eskip.ShuntBackend
	return r
}

// TestUnparsedDefinitions: a definition a client could not parse is an
// invalid route with its position and error; the last valid version of
// its id keeps serving; a fix or a delete clears it. Each step is taken
// once as a change and once inside a full set.
func TestUnparsedDefinitions(t *testing.T) {
	for _, full := range []bool{false, true} {
		t.Run(fmt.Sprint("full=", full), func(t *testing.T) {
			a := newChanClient("etcd")
			rr := startRouting(t, Options{BuildOptions: testOptions(), DataClients: []dataclients.DataClient{a}, Coalesce: -1})
			current := map[string]*eskip.Route{}
			broken := map[string]dataclients.InvalidRoute{}
			send := func(u dataclients.Update) {
				for _, r := range u.Upserts {
					current[r.Id] = r
					delete(broken, r.Id)
				}
				for _, inv := range u.Invalid {
					broken[inv.Id] = inv
					delete(current, inv.Id)
				}
				for _, id := range u.Deletes {
					delete(current, id)
					delete(broken, id)
				}
				if full {
					u = dataclients.Update{Reset: true}
					for _, r := range current {
						u.Upserts = append(u.Upserts, r)
					}
					for _, inv := range broken {
						u.Invalid = append(u.Invalid, inv)
					}
				}
				a.send(t, u)
			}
			send(dataclients.Update{Reset: true, Upserts: []*eskip.Route{shunt("r1", "/r1")}, Invalid: []dataclients.InvalidRoute{badDef("r2", 1)}})
			tbl := waitFor(t, rr.Routing, "first load", func(tbl *Table) bool { return len(tbl.Routes()) == 1 })
			if got := invalidSummary(tbl); got != "r2:parse_error@/skipper/routes/r2:1:3" {
				t.Fatalf("invalid list %q", got)
			}
			if err := tbl.Invalid()[0].Err; err == nil || !strings.Contains(err.Error(), "unexpected token") {
				t.Errorf("error %v", err)
			}

			// r1 breaks: its last valid version serves on, listed as stale.
			send(dataclients.Update{Invalid: []dataclients.InvalidRoute{badDef("r1", 2)}})
			tbl = waitFor(t, rr.Routing, "r1 stale", func(tbl *Table) bool { return strings.Contains(invalidSummary(tbl), "r1:") })
			if got := invalidSummary(tbl); got != "r1:parse_error@/skipper/routes/r1:2:3:stale r2:parse_error@/skipper/routes/r2:1:3" {
				t.Errorf("invalid list %q", got)
			}
			if id, _ := matchID(t, tbl, req("GET", "/r1")); id != "r1" {
				t.Errorf("/r1 matched %q, want the last valid r1", id)
			}

			// The fix and a delete clear the list.
			send(dataclients.Update{Upserts: []*eskip.Route{shunt("r1", "/r1-fixed")}, Deletes: []string{"r2"}})
			tbl = waitFor(t, rr.Routing, "fixed", func(tbl *Table) bool { return len(tbl.Invalid()) == 0 })
			if id, _ := matchID(t, tbl, req("GET", "/r1-fixed")); id != "r1" {
				t.Errorf("/r1-fixed matched %q", id)
			}
		})
	}
}

// TestUnparsedNeverServes: with invalid updates dropped, a definition that
// did not parse takes its id out of the table, and nothing else: its
// placeholder matches no request even where a clone rule copies it.
func TestUnparsedNeverServes(t *testing.T) {
	a := newChanClient("etcd")
	o := testOptions()
	o.DropInvalidUpdates = true
	rr := startRouting(t, Options{BuildOptions: o, DataClients: []dataclients.DataClient{a}, Coalesce: -1})
	a.send(t, dataclients.Update{Reset: true, Upserts: []*eskip.Route{shunt("r1", "/r1")}})
	waitFor(t, rr.Routing, "load", func(tbl *Table) bool { return len(tbl.Routes()) == 1 })
	a.send(t, dataclients.Update{Invalid: []dataclients.InvalidRoute{badDef("r1", 1)}})
	tbl := waitFor(t, rr.Routing, "r1 gone", func(tbl *Table) bool { return len(tbl.Routes()) == 0 })
	if id, _ := matchID(t, tbl, req("GET", "/anything")); id != "" {
		t.Errorf("matched %q", id)
	}
	// The placeholder on its own: whatever builds it fails.
	inv := badDef("x", 1)
	b := Build([]*eskip.Route{brokenDef(inv)}, testOptions())
	if len(b.Routes()) != 0 || len(b.Invalid()) != 1 {
		t.Errorf("placeholder built: %d routes, %d invalid", len(b.Routes()), len(b.Invalid()))
	}
}

// TestUnparsedLosesToALaterClient: the id's definition is the later
// client's when it has one, valid or not.
func TestUnparsedLosesToALaterClient(t *testing.T) {
	a, c := newChanClient("a"), newChanClient("c")
	rr := startRouting(t, Options{BuildOptions: testOptions(), DataClients: []dataclients.DataClient{a, c}, Coalesce: -1})
	a.send(t, dataclients.Update{Reset: true, Invalid: []dataclients.InvalidRoute{badDef("x", 1)}})
	c.send(t, dataclients.Update{Reset: true, Upserts: []*eskip.Route{shunt("x", "/x")}})
	tbl := waitFor(t, rr.Routing, "x from c", hasIDs("x@c "))
	if len(tbl.Invalid()) != 0 {
		t.Errorf("invalid %v", tbl.Invalid())
	}
}
