package loadbalancer

import (
	"testing"

	"github.com/skiff-proxy/skiff/filters"
	"github.com/skiff-proxy/skiff/healthcheck"
)

// A preferred endpoint in the pool takes the request, whatever the
// algorithm, unless it is dead or just failed; one not in the pool
// changes nothing.
func TestSelectPreferredEndpoint(t *testing.T) {
	for _, a := range algorithms {
		t.Run(a.name, func(t *testing.T) {
			b := balancer(a.algo, 4)
			ms := b.Members()
			want := ms[2].Host
			bag := map[string]any{filters.PreferredEndpoint: want}
			for range 20 {
				if got := b.Select(nil, bag, nil).Host; got != want {
					t.Fatalf("picked %s, want the preferred %s", got, want)
				}
			}
			if got := b.Select(nil, bag, []*healthcheck.Endpoint{ms[2].Endpoint}).Host; got == want {
				t.Errorf("the excluded preferred endpoint was picked again")
			}
			bag[filters.PreferredEndpoint] = "10.9.9.9:1"
			seen := map[string]bool{}
			for range 40 {
				seen[b.Select(nil, map[string]any{filters.PreferredEndpoint: "10.9.9.9:1", filters.ConsistentHashKey: string(rune('a' + len(seen)))}, nil).Host] = true
			}
			if len(seen) < 2 {
				t.Errorf("an unknown preferred endpoint pinned the choice: %v", seen)
			}
			ms[2].Endpoint.MarkDead("test")
			for range 20 {
				if got := b.Select(nil, map[string]any{filters.PreferredEndpoint: want}, nil).Host; got == want {
					t.Fatalf("the dead preferred endpoint was picked")
				}
			}
		})
	}
}
