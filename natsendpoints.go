package skiff

import (
	"sort"
	"strings"

	"github.com/skiff-proxy/skiff/admin"
	"github.com/skiff-proxy/skiff/dataclients/nats"
)

// withDamping adds the NATS client's update-flap damping to /endpoints:
// each endpoint's entries, and the endpoints whose registration is held
// back while they are not in the table.
func withDamping(base func() []admin.EndpointView, c *nats.Client) func() []admin.EndpointView {
	if c == nil {
		return base
	}
	return func() []admin.EndpointView {
		views := base()
		damping := c.Damping()
		if len(damping) == 0 {
			return views
		}
		for i := range views {
			addr := views[i].Address
			if j := strings.Index(addr, "://"); j >= 0 {
				addr = addr[j+3:]
			}
			if ds, ok := damping[addr]; ok {
				views[i].Damping = dampingViews(ds)
				delete(damping, addr)
			}
		}
		for addr, ds := range damping {
			views = append(views, admin.EndpointView{Address: addr, State: "unregistered", FadeIn: 1, Damping: dampingViews(ds)})
		}
		sort.Slice(views, func(i, j int) bool { return views[i].Address < views[j].Address })
		return views
	}
}

func dampingViews(ds []nats.DampingState) []admin.EndpointDamping {
	out := make([]admin.EndpointDamping, len(ds))
	for i, d := range ds {
		out[i] = admin.EndpointDamping{Route: d.Key, Penalty: d.Penalty, Suppressed: d.Suppressed, Since: d.Since}
		if d.Held != nil {
			out[i].Held = "unregistered"
			if *d.Held {
				out[i].Held = "registered"
			}
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Route < out[j].Route })
	return out
}
