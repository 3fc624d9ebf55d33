package loadbalancer

import (
	"cmp"
	"fmt"
	"slices"
	"testing"

	"github.com/cespare/xxhash/v2"

	"github.com/skiff-proxy/skiff/filters"
	"github.com/skiff-proxy/skiff/healthcheck"
	"github.com/skiff-proxy/skiff/routing"
)

const keys = 10000

// owners returns the host each of the test keys goes to.
func owners(b *Balancer) []string {
	out := make([]string, keys)
	for k := range out {
		out[k] = b.Select(nil, map[string]any{filters.ConsistentHashKey: fmt.Sprint("user-", k)}, nil).Host
	}
	return out
}

func TestRingLayout(t *testing.T) {
	b := balancer(algoConsistentHash, 3)
	ring := b.pool.Load().ring
	if len(ring) != 3*virtualNodes {
		t.Fatalf("%d ring nodes, want %d", len(ring), 3*virtualNodes)
	}
	if !slices.IsSortedFunc(ring, func(a, b ringNode) int { return cmp.Compare(a.hash, b.hash) }) {
		t.Error("ring not sorted by hash")
	}
	// The positions are the documented ones: "<scheme://host:port>-<j>".
	want := map[uint64]int32{}
	for i, m := range b.Members() {
		for j := range virtualNodes {
			want[xxhash.Sum64String(fmt.Sprintf("%s://%s-%d", m.Scheme, m.Host, j))] = int32(i)
		}
	}
	for _, n := range ring {
		if m, ok := want[n.hash]; !ok || m != n.member {
			t.Fatalf("ring node %x -> %d not in the documented layout", n.hash, n.member)
		}
	}
}

func TestRingSearch(t *testing.T) {
	ring := []ringNode{{10, 0}, {20, 1}, {30, 2}}
	for _, tc := range []struct {
		h    uint64
		want int
	}{{0, 0}, {10, 0}, {11, 1}, {20, 1}, {29, 2}, {30, 2}, {31, 0}, {^uint64(0), 0}} {
		if got := ringSearch(ring, tc.h); got != tc.want {
			t.Errorf("ringSearch(%d) = %d, want %d", tc.h, got, tc.want)
		}
	}
}

// TestConsistentHashSpread: 100 virtual nodes per endpoint keep the
// busiest of 10 endpoints within 1.3 times the average.
func TestConsistentHashSpread(t *testing.T) {
	b := balancer(algoConsistentHash, 10)
	count := map[string]int{}
	for _, h := range owners(b) {
		count[h]++
	}
	if len(count) != 10 {
		t.Fatalf("keys on %d endpoints, want 10", len(count))
	}
	avg := float64(keys) / 10
	for h, c := range count {
		if float64(c) > 1.3*avg {
			t.Errorf("%s has %d keys, more than 1.3 × %.0f", h, c, avg)
		}
	}
}

// TestConsistentHashStable: removing an endpoint moves its keys and
// (almost) no others; the same key goes to the same endpoint every time
// and in every pool built for the same endpoints.
func TestConsistentHashStable(t *testing.T) {
	b := balancer(algoConsistentHash, 10)
	before := owners(b)
	if again := owners(balancer(algoConsistentHash, 10)); !slices.Equal(before, again) {
		t.Fatal("two pools of the same endpoints map keys differently")
	}
	all := eps(10)
	removed := all[4].Host
	b.UpdateEndpoints(slices.Delete(slices.Clone(all), 4, 5))
	after := owners(b)
	others, moved := 0, 0
	for k := range before {
		if after[k] == removed {
			t.Fatalf("key %d still on the removed endpoint", k)
		}
		if before[k] != removed {
			others++
			if after[k] != before[k] {
				moved++
			}
		}
	}
	if moved > others/50 {
		t.Errorf("%d of %d keys of the remaining endpoints moved, more than 2%%", moved, others)
	}
}

// TestConsistentHashHidden: a dead endpoint's keys go to the next ring
// position, which is where they would go if it were not in the pool, and
// come back when it is usable again; no other key moves.
func TestConsistentHashHidden(t *testing.T) {
	reg, _ := registry(nil)
	all := eps(10)
	b := newBalancer(reg, settings{algo: algoConsistentHash}, all)
	without := newBalancer(reg, settings{algo: algoConsistentHash}, slices.Delete(slices.Clone(all), 6, 7))
	before := owners(b)
	e := b.Members()[6].Endpoint
	e.SetState(healthcheck.LameDuck, "test")
	hidden := owners(b)
	if want := owners(without); !slices.Equal(hidden, want) {
		t.Error("keys of the hidden endpoint did not go to the next ring position")
	}
	own := 0
	for k := range before {
		if before[k] == all[6].Host {
			own++
		} else if hidden[k] != before[k] {
			t.Fatalf("key %d moved from %s to %s, which was not hidden", k, before[k], hidden[k])
		}
	}
	if own == 0 {
		t.Fatal("the hidden endpoint owned no keys; the test shows nothing")
	}
	e.SetState(healthcheck.Healthy, "test")
	if back := owners(b); !slices.Equal(back, before) {
		t.Error("keys did not come back to the endpoint when it was usable again")
	}
}

// TestConsistentHashBoundedLoad assigns 1,000 requests that all stay in
// flight, 70% of them with one hot key: with a balance factor of 1.25 no
// endpoint ever holds more than 1.25 × the average + 1; without one the
// hot key's endpoint takes them all.
func TestConsistentHashBoundedLoad(t *testing.T) {
	const n, requests = 10, 1000
	for _, tc := range []struct {
		name    string
		factor  any // nil: not set
		maxLoad int64
		minLoad int64 // of the busiest endpoint at the end
	}{
		{"factor 1.25", 1.25, int64(1.25*requests/n) + 1, 0},
		{"no factor", nil, requests, 700},
	} {
		t.Run(tc.name, func(t *testing.T) {
			b := balancer(algoConsistentHash, n)
			var held []*healthcheck.Endpoint
			defer func() {
				for _, e := range held {
					e.End(healthcheck.Outcome{})
				}
			}()
			var busiest int64
			for k := range requests {
				key := "hot"
				if k%10 >= 7 {
					key = fmt.Sprint("cold-", k)
				}
				bag := map[string]any{filters.ConsistentHashKey: key}
				if tc.factor != nil {
					bag[filters.ConsistentHashBalance] = tc.factor
				}
				m := b.Select(nil, bag, nil)
				m.Endpoint.Begin()
				held = append(held, m.Endpoint)
				var sum, max int64
				for _, m := range b.Members() {
					f := m.Endpoint.InFlight()
					sum += f
					max = maxOf(max, f)
				}
				if tc.factor != nil && float64(max) > 1.25*float64(sum)/n+1 {
					t.Fatalf("after %d requests an endpoint holds %d, more than 1.25 × %d/%d + 1", k+1, max, sum, n)
				}
				busiest = max
			}
			if busiest > tc.maxLoad || busiest < tc.minLoad {
				t.Errorf("busiest endpoint holds %d, want %d..%d", busiest, tc.minLoad, tc.maxLoad)
			}
		})
	}
}

func maxOf(a, b int64) int64 {
	if a > b {
		return a
	}
	return b
}

// TestConsistentHashKeys: the bag's key wins over the client address;
// without one, requests of one client go to one endpoint.
func TestConsistentHashKeys(t *testing.T) {
	b := balancer(algoConsistentHash, 10)
	key := map[string]any{filters.ConsistentHashKey: "user-1"}
	want := b.Select(nil, key, nil)
	for k := range 50 {
		r := request(fmt.Sprintf("192.0.2.%d:1234", k), "")
		if got := b.Select(r, key, nil); got != want {
			t.Fatalf("client %d: the bag's key was not used", k)
		}
	}
	seen := map[*Member]bool{}
	for k := range 50 {
		r := request(fmt.Sprintf("192.0.2.%d:%d", k, 1000+k), "")
		m := b.Select(r, nil, nil)
		if again := b.Select(request(fmt.Sprintf("192.0.2.%d:9", k), ""), nil, nil); again != m {
			t.Fatalf("client 192.0.2.%d went to %s, then to %s", k, m.Host, again.Host)
		}
		seen[m] = true
	}
	if len(seen) < 5 {
		t.Errorf("50 clients on %d endpoints: the client address is not the key", len(seen))
	}
}

// TestConsistentHashEndpointsOnly: the ring is made for the pool it
// belongs to; a larger list after an update uses all of it.
func TestConsistentHashEndpointsOnly(t *testing.T) {
	b := balancer(algoConsistentHash, 2)
	b.UpdateEndpoints(append(eps(2), routing.LBEndpoint{Scheme: "http", Host: "10.9.9.9:80"}))
	count := map[string]int{}
	for _, h := range owners(b) {
		count[h]++
	}
	if count["10.9.9.9:80"] < keys/10 {
		t.Errorf("new endpoint got %d of %d keys", count["10.9.9.9:80"], keys)
	}
}
