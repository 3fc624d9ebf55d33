package config

import (
	"errors"
	"fmt"

	"github.com/skiff-proxy/skiff/eskip"
)

func (r *etcdRun) check(a etcdIO) error {
	routes, err := r.loadValid(a.in)
	if err != nil {
		return err
	}
	return etcdRouteChecks(routes)
}

// print writes the valid routes even when some etcd values are invalid,
// so that one bad key does not hide the others; the command fails after.
func (r *etcdRun) print(a etcdIO) error {
	routes, invalid, err := r.load(a.in)
	if err != nil {
		return err
	}
	invalidErr := r.reportInvalid(invalid)
	info := eskip.PrettyPrintInfo{Pretty: r.flags.pretty, IndentStr: r.flags.indent}
	if r.flags.json {
		err = eskip.FprintJSON(r.stdout, info, routes...)
	} else {
		err = eskip.Fprint(r.stdout, info, routes...)
	}
	if errors.Is(err, eskip.ErrMissingId) {
		return errors.New("a route without id can only be printed alone; give every route an id")
	}
	if err != nil {
		return fmt.Errorf("printing routes: %w", err)
	}
	return invalidErr
}

// inputAndStore reads the valid routes of the input, then connects to
// the store they go to: a bad input fails before etcd is contacted.
func (r *etcdRun) inputAndStore(a etcdIO) ([]*eskip.Route, etcdStore, error) {
	routes, err := r.loadValid(a.in)
	if err != nil {
		return nil, nil, err
	}
	s, err := r.store()
	if err != nil {
		return nil, nil, err
	}
	return routes, s, nil
}

func (r *etcdRun) upsert(a etcdIO) error {
	routes, s, err := r.inputAndStore(a)
	if err != nil {
		return err
	}
	// The client gives routes without id a new one, as eskip does.
	return s.Upsert(r.ctx, routes)
}

// reset leaves unchanged keys alone (the client compares canonical
// expressions), so that a reset of the same file twice writes nothing and
// the proxies watching etcd see no change.
func (r *etcdRun) reset(a etcdIO) error {
	routes, s, err := r.inputAndStore(a)
	if err != nil {
		return err
	}
	put, deleted, err := s.Reset(r.ctx, routes)
	if err != nil {
		return err
	}
	fmt.Fprintf(r.stderr, "%s written, %d deleted\n", plural(put, "route"), deleted)
	return nil
}

func (r *etcdRun) delete(a etcdIO) error {
	routes, err := r.loadValid(a.in)
	if err != nil {
		return err
	}
	ids := make([]string, 0, len(routes))
	for _, rt := range routes {
		// A lone expression without id names no key: say what to
		// do instead of the client's "empty route id".
		if rt.Id == "" {
			return errors.New("a route without id names no key to delete; give it an id or use -ids")
		}
		ids = append(ids, rt.Id)
	}
	s, err := r.store()
	if err != nil {
		return err
	}
	return s.Delete(r.ctx, ids)
}
