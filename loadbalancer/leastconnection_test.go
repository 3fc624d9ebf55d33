package loadbalancer

import "testing"

func TestLeastConnectionPicksFewest(t *testing.T) {
	b := balancer(algoLeastConnection, 5)
	load := []int{3, 1, 2, 1, 4} // members 1 and 3 tie at the minimum
	for i, l := range load {
		for range l {
			b.Members()[i].Endpoint.Begin()
		}
	}
	counts := picks(b, 100)
	for i, want := range []int{0, 50, 0, 50, 0} {
		if counts[i] != want {
			t.Errorf("endpoint %d (in flight %d) chosen %d times, want %d: ties take turns", i, load[i], counts[i], want)
		}
	}
}

// TestLeastConnectionIdleRotates: in an idle pool every endpoint ties, and
// they take turns as in round robin.
func TestLeastConnectionIdleRotates(t *testing.T) {
	for _, n := range []int{2, 3, 7} {
		b := balancer(algoLeastConnection, n)
		counts := picks(b, 10*n)
		for i, c := range counts {
			if c != 10 {
				t.Errorf("n=%d: endpoint %d chosen %d times, want 10", n, i, c)
			}
		}
	}
}

func TestLeastRequestsIsLeastConnection(t *testing.T) {
	a, ok := algorithmNamed(LeastRequests)
	if !ok || a != algoLeastConnection {
		t.Errorf("%s: %d, %v", LeastRequests, a, ok)
	}
}
