package config

import (
	"errors"
	"fmt"
	"math/rand/v2"

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

func (r *etcdRun) upsert(a etcdIO) error {
	routes, err := r.loadValid(a.in)
	if err != nil {
		return err
	}
	s, err := r.store()
	if err != nil {
		return err
	}
	if err := s.Upsert(r.ctx, etcdWithIds(routes)); err != nil {
		return fmt.Errorf("writing routes to etcd: %w", err)
	}
	return nil
}

// reset leaves unchanged keys alone (the client compares canonical
// expressions), so that a reset of the same file twice writes nothing
// and the proxies watching etcd see no event.
func (r *etcdRun) reset(a etcdIO) error {
	routes, err := r.loadValid(a.in)
	if err != nil {
		return err
	}
	s, err := r.store()
	if err != nil {
		return err
	}
	put, deleted, err := s.Reset(r.ctx, etcdWithIds(routes))
	if err != nil {
		return fmt.Errorf("resetting routes in etcd (%s written, %d deleted before the error): %w", plural(put, "route"), deleted, err)
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
		// A lone expression without id names no key; deleting
		// "<prefix>/routes/" would be a surprise.
		if rt.Id == "" {
			return errors.New("a route without id names no key to delete; give it an id or use -ids")
		}
		ids = append(ids, rt.Id)
	}
	s, err := r.store()
	if err != nil {
		return err
	}
	if err := s.Delete(r.ctx, ids); err != nil {
		return fmt.Errorf("deleting routes from etcd: %w", err)
	}
	return nil
}

// etcdWithIds gives routes without id a generated one, as eskip does:
// "route" and 16 letters or digits. A one-route document may leave out
// its id; etcd needs a key.
func etcdWithIds(routes []*eskip.Route) []*eskip.Route {
	const chars = "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
	for _, rt := range routes {
		if rt.Id != "" {
			continue
		}
		id := []byte("route")
		for range 16 {
			id = append(id, chars[rand.IntN(len(chars))])
		}
		rt.Id = string(id)
	}
	return routes
}
