package loadbalancer

import "testing"

func TestRoundRobinRotates(t *testing.T) {
	for _, n := range []int{1, 2, 3, 5, 70} {
		b := balancer(algoRoundRobin, n)
		counts := make([]int, n)
		prev := -1
		for range 10 * n {
			i := indexOf(b, b.Select(nil, nil, nil))
			if i < 0 || i >= n {
				t.Fatalf("n=%d: index %d out of range", n, i)
			}
			if n > 1 && prev >= 0 && i != (prev+1)%n {
				t.Fatalf("n=%d: %d after %d is not the next one", n, i, prev)
			}
			prev = i
			counts[i]++
		}
		for i, c := range counts {
			if c != 10 {
				t.Errorf("n=%d: endpoint %d chosen %d times, want 10", n, i, c)
			}
		}
	}
}

// TestRoundRobinSkipsHidden: the rotation goes over the candidates only,
// evenly.
func TestRoundRobinSkipsHidden(t *testing.T) {
	b := balancer(algoRoundRobin, 4)
	b.Members()[1].Endpoint.MarkDead("test")
	counts := picks(b, 300)
	for i, want := range []int{100, 0, 100, 100} {
		if counts[i] != want {
			t.Errorf("endpoint %d chosen %d times, want %d (all: %v)", i, counts[i], want, counts)
		}
	}
}

func TestRoundRobinStartsAtRandom(t *testing.T) {
	seen := map[int]bool{}
	for range 200 {
		b := balancer(algoRoundRobin, 4)
		seen[indexOf(b, b.Select(nil, nil, nil))] = true
	}
	if len(seen) < 2 {
		t.Errorf("first choice always %v: the cursor does not start at random", seen)
	}
}
