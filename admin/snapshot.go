package admin

import (
	"io"
	"time"

	"github.com/skiff-proxy/skiff/eskip"
	"github.com/skiff-proxy/skiff/loadbalancer"
	"github.com/skiff-proxy/skiff/routing"
)

// TableSource hands out the current routing table; *routing.Routing is
// one. Every Acquire is paired with Table.Release.
type TableSource interface {
	Acquire() *routing.Table
}

// SnapshotsOf returns the Options.Routes function for a table source: it
// copies what /routes shows out of the current table, holding the table
// only for the copy.
func SnapshotsOf(src TableSource) func() Snapshot {
	return func() Snapshot {
		t := src.Acquire()
		defer t.Release()
		routes := t.Routes()
		s := Snapshot{Created: t.Created(), Valid: make([]*eskip.Route, 0, len(routes))}
		now := time.Now()
		for _, r := range routes {
			b, ok := r.Balancer.(*loadbalancer.Balancer)
			if !ok {
				s.Valid = append(s.Valid, r.Def)
				continue
			}
			// The pool may have taken endpoint-only updates since the
			// route was built: show the endpoints it uses now.
			ms := b.Members()
			def := *r.Def
			def.LBEndpoints = make([]*eskip.LBEndpoint, len(ms))
			views := make([]EndpointView, len(ms))
			for i := range ms {
				def.LBEndpoints[i] = &eskip.LBEndpoint{Address: ms[i].Scheme + "://" + ms[i].Host, Zone: ms[i].Zone}
				views[i] = *newEndpointView(&ms[i], now)
				views[i].FadeIn = fadeIn(r, ms[i].Endpoint, now)
			}
			if s.Endpoints == nil {
				s.Endpoints = map[string][]EndpointView{}
			}
			s.Endpoints[r.Id] = views
			s.Valid = append(s.Valid, &def)
		}
		for _, ir := range t.Invalid() {
			s.Invalid = append(s.Invalid, InvalidRoute(ir))
		}
		return s
	}
}

// EskipPrinter renders /routes with the eskip package's printer.
type EskipPrinter struct{}

func (EskipPrinter) Text(w io.Writer, pretty bool, routes []*eskip.Route) error {
	info := eskip.PrettyPrintInfo{}
	if pretty {
		info = eskip.PrettyPrintInfo{Pretty: true, IndentStr: "  "}
	}
	return eskip.Fprint(w, info, routes...)
}

func (EskipPrinter) JSON(r *eskip.Route) ([]byte, error) { return r.MarshalJSON() }
