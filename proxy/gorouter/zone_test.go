package gorouter

import (
	"fmt"
	"testing"

	"github.com/skiff-proxy/skiff/dataclients/nats"
	"github.com/skiff-proxy/skiff/filters"
	"github.com/skiff-proxy/skiff/filters/filtertest"
)

// hdZonePool registers z.test with endpoints 10.0.0.<i>:8080 in the zones
// given, in that order, and returns them.
func hdZonePool(t *testing.T, c *nats.Client, zones ...string) []*nats.Endpoint {
	t.Helper()
	eps := make([]*nats.Endpoint, len(zones))
	for i, z := range zones {
		register(t, c, map[string]any{"host": fmt.Sprintf("10.0.0.%d", i+1), "port": 8080, "uris": []string{"z.test"},
			"availability_zone": z, "private_instance_id": fmt.Sprintf("inst-%d", i+1)})
		eps[i] = c.Endpoint("z.test", fmt.Sprintf("10.0.0.%d:8080", i+1))
	}
	return eps
}

// hdPreferred runs the pool filter's Request for a request with hdr and
// returns the endpoint it prefers, "" for none.
func hdPreferred(f *poolFilter, hdr ...string) string {
	ctx := filtertest.NewContext(hdRequest("http://z.test/", hdr...))
	f.Request(ctx)
	p, _ := ctx.FStateBag[filters.PreferredEndpoint].(string)
	return p
}

// locally-optimistic (spec §7.3): the first attempt goes to an endpoint in
// the router's zone, by the pool's algorithm among those; none is
// preferred when the preference is off or no local endpoint can take the
// request.
func TestZonePreference(t *testing.T) {
	local := nats.Options{AZPreference: nats.AZLocallyOptimistic, Zone: "z1"}
	lc := local
	lc.Algorithm = nats.LeastConnection
	limited := local
	limited.MaxConns = 2
	for _, tc := range []struct {
		name     string
		o        nats.Options
		zones    []string
		inFlight []int64
		hdr      []string
		want     []string // preferred endpoints of consecutive requests, as a set per request
	}{
		{name: "off", o: nats.Options{Zone: "z1"}, zones: []string{"z1", "z2"}, want: []string{""}},
		{name: "no zone of its own", o: nats.Options{AZPreference: nats.AZLocallyOptimistic}, zones: []string{"", "z2"}, want: []string{""}},
		{name: "no local endpoint", o: local, zones: []string{"z2", "z3"}, want: []string{"", ""}},
		{name: "one local", o: local, zones: []string{"z2", "z1", "z3"}, want: []string{"10.0.0.2:8080", "10.0.0.2:8080"}},
		{name: "round robin among local", o: local, zones: []string{"z1", "z2", "z1", "z1"},
			want: []string{"10.0.0.1:8080", "10.0.0.3:8080", "10.0.0.4:8080", "10.0.0.1:8080", "10.0.0.3:8080", "10.0.0.4:8080"}},
		{name: "round robin skips one at the limit", o: limited, zones: []string{"z1", "z1", "z2"}, inFlight: []int64{2, 0, 0},
			want: []string{"10.0.0.2:8080", "10.0.0.2:8080"}},
		// Then the connection limit steers the request to one below it.
		{name: "every local at the limit: any below it", o: limited, zones: []string{"z1", "z2"}, inFlight: []int64{2, 1},
			want: []string{"10.0.0.2:8080"}},
		{name: "least connection among local", o: lc, zones: []string{"z1", "z1", "z2", "z1"}, inFlight: []int64{3, 1, 0, 2},
			want: []string{"10.0.0.2:8080", "10.0.0.2:8080"}},
		{name: "instance targeting wins", o: local, zones: []string{"z1", "z2"},
			hdr: []string{"Cookie", "JSESSIONID=x; __VCAP_ID__=inst-2"}, want: []string{"10.0.0.2:8080"}},
		{name: "sticky instance gone: local", o: local, zones: []string{"z2", "z1"},
			hdr: []string{"Cookie", "JSESSIONID=x; __VCAP_ID__=inst-9"}, want: []string{"10.0.0.2:8080"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := newClient(t, tc.o)
			eps := hdZonePool(t, c, tc.zones...)
			for i, n := range tc.inFlight {
				eps[i].InFlight().Store(n)
			}
			f := hdPoolFilter(t, c, "z.test")
			if len(tc.want) > 1 && tc.o.Algorithm != nats.LeastConnection && tc.want[0] != "" {
				// Line the turn up with the first expected endpoint.
				for range 10 {
					if hdPreferred(f, tc.hdr...) == tc.want[len(tc.want)-1] {
						break
					}
				}
			}
			for i, want := range tc.want {
				if got := hdPreferred(f, tc.hdr...); got != want {
					t.Errorf("request %d: preferred %q, want %q", i, got, want)
				}
			}
		})
	}
}

// With every local endpoint at the limit the preference itself sets
// nothing.
func TestZonePreferenceAllLocalAtLimit(t *testing.T) {
	for _, algo := range []string{nats.RoundRobin, nats.LeastConnection} {
		c := newClient(t, nats.Options{AZPreference: nats.AZLocallyOptimistic, Zone: "z1", MaxConns: 1, Algorithm: algo})
		eps := hdZonePool(t, c, "z1", "z2", "z1")
		eps[0].InFlight().Store(1)
		eps[2].InFlight().Store(3)
		bag := map[string]any{}
		hdPoolFilter(t, c, "z.test").preferLocal(bag, algo)
		if p, ok := bag[filters.PreferredEndpoint]; ok {
			t.Errorf("%s: preferred %v", algo, p)
		}
	}
}

// Least connection breaks ties at random among the local endpoints.
func TestZonePreferenceLeastConnectionTies(t *testing.T) {
	o := nats.Options{AZPreference: nats.AZLocallyOptimistic, Zone: "z1", Algorithm: nats.LeastConnection}
	c := newClient(t, o)
	hdZonePool(t, c, "z1", "z2", "z1", "z1")
	f := hdPoolFilter(t, c, "z.test")
	seen := map[string]int{}
	for range 300 {
		seen[hdPreferred(f)]++
	}
	for _, addr := range []string{"10.0.0.1:8080", "10.0.0.3:8080", "10.0.0.4:8080"} {
		if n := seen[addr]; n < 50 {
			t.Errorf("%s preferred %d times of 300, want about 100 (%v)", addr, n, seen)
		}
	}
	if len(seen) != 3 {
		t.Errorf("preferred %v, want the three local endpoints", seen)
	}
}

func TestNextInTurn(t *testing.T) {
	c := newClient(t, nats.Options{})
	eps := hdZonePool(t, c, "a", "b", "c")
	eps[1].InFlight().Store(5)
	for _, tc := range []struct {
		turn  uint32
		limit int64
		want  int // index; -1 for none
	}{
		{0, 0, 0}, {1, 0, 1}, {2, 0, 2}, {3, 0, 0}, {1<<32 - 1, 0, 0}, // 4294967295 % 3 == 0
		{1, 5, 2}, {1, 6, 1},
	} {
		got := nextInTurn(eps, tc.limit, tc.turn)
		if tc.want < 0 && got != nil || tc.want >= 0 && got != eps[tc.want] {
			t.Errorf("nextInTurn(turn %d, limit %d) = %v, want endpoint %d", tc.turn, tc.limit, got, tc.want)
		}
	}
	for _, e := range eps {
		e.InFlight().Store(5)
	}
	if got := nextInTurn(eps, 5, 0); got != nil {
		t.Errorf("every endpoint at the limit: %v", got.Addr())
	}
	if got := leastLoaded(eps, 5); got != nil {
		t.Errorf("every endpoint at the limit: %v", got.Addr())
	}
}
