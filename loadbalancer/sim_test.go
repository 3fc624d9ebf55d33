package loadbalancer

import "github.com/skiff-proxy/skiff/healthcheck"

// simulate runs a discrete-time load: every tick perTick requests arrive
// and each picks an endpoint; a request to member slow stays in flight 10
// ticks, one to any other member 1 tick. It returns the picks per member.
// Requests still in flight at the end are ended, so the endpoints are idle
// again.
func simulate(b *Balancer, slow, ticks, perTick int) []int {
	const slowTicks = 10
	counts := make([]int, len(b.Members()))
	var due [slowTicks + 1][]*healthcheck.Endpoint // by tick mod len
	for t := range ticks {
		slot := &due[t%len(due)]
		for _, e := range *slot {
			e.End(healthcheck.Outcome{})
		}
		*slot = (*slot)[:0]
		for range perTick {
			m := b.Select(nil, nil, nil)
			i := indexOf(b, m)
			counts[i]++
			m.Endpoint.Begin()
			d := 1
			if i == slow {
				d = slowTicks
			}
			later := &due[(t+d)%len(due)]
			*later = append(*later, m.Endpoint)
		}
	}
	for _, s := range due {
		for _, e := range s {
			e.End(healthcheck.Outcome{})
		}
	}
	return counts
}
