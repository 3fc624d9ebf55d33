package config

import (
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/skiff-proxy/skiff/dataclients"
	"github.com/skiff-proxy/skiff/eskip"
)

// load reads the routes of an input medium. A document that does not
// parse is rendered to stderr, every error with its source, line, column
// and source line, and fails with errEtcdInvalidRoutes. From etcd, values
// that do not parse are returned as invalid next to the routes that did:
// each key stands alone, and print shows the valid ones all the same.
func (r *etcdRun) load(m *etcdMedium) ([]*eskip.Route, []dataclients.InvalidRoute, error) {
	switch m.typ {
	case etcdMediumEtcd:
		s, err := r.store()
		if err != nil {
			return nil, nil, err
		}
		// The client's errors name etcd, its endpoints and the keys.
		routes, invalid, _, err := s.Load(r.ctx)
		return routes, invalid, err
	case etcdMediumIds:
		routes := make([]*eskip.Route, len(m.ids))
		for i, id := range m.ids {
			routes[i] = &eskip.Route{Id: id}
		}
		return routes, nil, nil
	case etcdMediumInline:
		routes, err := r.parse("-routes", []byte(m.text))
		return routes, nil, err
	case etcdMediumStdin:
		in := r.stdin
		if in == nil { // "-" given, but the caller has no stdin
			in = strings.NewReader("")
		}
		data, err := io.ReadAll(in)
		if err != nil {
			return nil, nil, fmt.Errorf("reading routes from stdin: %w", err)
		}
		routes, err := r.parse("<stdin>", data)
		return routes, nil, err
	case etcdMediumFile:
		data, err := os.ReadFile(m.path)
		if err != nil {
			return nil, nil, fmt.Errorf("reading routes: %w", err)
		}
		routes, err := r.parse(m.path, data)
		return routes, nil, err
	}
	return nil, nil, errEtcdInvalidInput
}

// parse parses one eskip document named source.
func (r *etcdRun) parse(source string, data []byte) ([]*eskip.Route, error) {
	routes, err := eskip.ParseDocument(source, data)
	if err != nil {
		fmt.Fprint(r.stderr, eskip.Render(err, data))
		return nil, errEtcdInvalidRoutes
	}
	return routes, nil
}

// loadValid is load for the commands that need every route valid: the
// invalid etcd values are reported and fail the command.
func (r *etcdRun) loadValid(m *etcdMedium) ([]*eskip.Route, error) {
	routes, invalid, err := r.load(m)
	if err != nil {
		return nil, err
	}
	if err := r.reportInvalid(invalid); err != nil {
		return nil, err
	}
	return routes, nil
}

// reportInvalid writes one line per invalid etcd value, as
// "key:line:col: route "id": message" with line and column within the
// value, and returns errEtcdInvalidRoutes if there were any.
func (r *etcdRun) reportInvalid(invalid []dataclients.InvalidRoute) error {
	for _, inv := range invalid {
		fmt.Fprintln(r.stderr, etcdInvalidLine(inv))
	}
	if len(invalid) > 0 {
		return errEtcdInvalidRoutes
	}
	return nil
}

func etcdInvalidLine(inv dataclients.InvalidRoute) string {
	msg := "invalid route"
	if inv.Err != nil {
		msg = inv.Err.Error()
	}
	// The position comes from inv.Pos; a parse error that prints its
	// own is cut down to its message.
	var pe *eskip.ParseError
	if errs := eskip.Errors(inv.Err); len(errs) == 1 {
		pe = errs[0]
		if msg == pe.Error() {
			msg = pe.Msg
		}
	}
	pos := inv.Pos
	if pos.Line == 0 && pe != nil {
		pos.Line, pos.Column = pe.Line, pe.Column
	}
	var b strings.Builder
	if pos.Source != "" {
		b.WriteString(pos.Source)
		b.WriteByte(':')
	}
	if pos.Line > 0 {
		fmt.Fprintf(&b, "%d:%d:", pos.Line, pos.Column)
	}
	if b.Len() > 0 {
		b.WriteByte(' ')
	}
	fmt.Fprintf(&b, "route %q: %s", inv.Id, msg)
	return b.String()
}

// etcdRouteChecks are check's rules beyond parsing, in eskip's words: a
// network route needs an address, and an id is used once. Each finding
// is one error in the joined result.
func etcdRouteChecks(routes []*eskip.Route) error {
	var errs []error
	for _, rt := range routes {
		if rt.BackendType == eskip.NetworkBackend && rt.Backend == "" {
			errs = append(errs, fmt.Errorf("route has empty backend: %s", rt.Id))
		}
	}
	seen := map[string]int{}
	for _, rt := range routes {
		// Once per id, however often it repeats.
		if seen[rt.Id]++; seen[rt.Id] == 2 {
			errs = append(errs, fmt.Errorf("repeating route with id %s", rt.Id))
		}
	}
	return errors.Join(errs...)
}
