package loadbalancer

import "github.com/skiff-proxy/skiff/routing"

// EachMember calls fn for every member of every load-balanced route of t,
// in route order: what the endpoint registry keeps alive and what the
// support listener shows.
func EachMember(t *routing.Table, fn func(*routing.Route, *Member)) {
	for _, r := range t.Routes() {
		b, ok := r.Balancer.(*Balancer)
		if !ok {
			continue
		}
		ms := b.Members()
		for i := range ms {
			fn(r, &ms[i])
		}
	}
}
