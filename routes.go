package skiff

import (
	"io"

	"github.com/skiff-proxy/skiff/admin"
	"github.com/skiff-proxy/skiff/eskip"
	"github.com/skiff-proxy/skiff/routing"
)

// snapshot copies what /routes shows out of the current table, holding
// the table only for the copy.
func snapshot(rt *routing.Routing) admin.Snapshot {
	t := rt.Acquire()
	defer t.Release()
	routes := t.Routes()
	s := admin.Snapshot{Created: t.Created(), Valid: make([]*eskip.Route, 0, len(routes))}
	for _, r := range routes {
		s.Valid = append(s.Valid, r.Def)
	}
	for _, ir := range t.Invalid() {
		s.Invalid = append(s.Invalid, admin.InvalidRoute(ir))
	}
	return s
}

// eskipPrinter renders /routes with the eskip package's printer.
type eskipPrinter struct{}

func (eskipPrinter) Text(w io.Writer, pretty bool, routes []*eskip.Route) error {
	info := eskip.PrettyPrintInfo{}
	if pretty {
		info = eskip.PrettyPrintInfo{Pretty: true, IndentStr: "  "}
	}
	return eskip.Fprint(w, info, routes...)
}

func (eskipPrinter) JSON(r *eskip.Route) ([]byte, error) { return r.MarshalJSON() }
