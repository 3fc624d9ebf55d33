package etcd

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"strings"
	"time"

	clientv3 "go.etcd.io/etcd/client/v3"

	"github.com/skiff-proxy/skiff/dataclients"
	"github.com/skiff-proxy/skiff/eskip"
)

// Load reads every route, at one revision, which it returns: the routes
// that parse, in key order, and the keys whose value does not parse or
// holds other than one route. It logs nothing.
func (c *Client) Load(ctx context.Context) (routes []*eskip.Route, invalid []dataclients.InvalidRoute, revision int64, err error) {
	s, err := c.read(ctx)
	if err != nil {
		return nil, nil, 0, err
	}
	for _, e := range s.entries {
		r, inv := parseValue(e.key, e.id, e.value)
		if inv != nil {
			invalid = append(invalid, *inv)
			continue
		}
		routes = append(routes, r)
	}
	return routes, invalid, s.revision, nil
}

// Upsert writes routes, each as its canonical expression without id under
// its id. A route without id gets a new one, "route" and 16 random
// letters and digits, set in the route. Up to a few hundred routes are
// written in one transaction (all or none), more in several.
func (c *Client) Upsert(ctx context.Context, routes []*eskip.Route) error {
	if err := assignIds(routes); err != nil {
		return err
	}
	ops := make([]clientv3.Op, len(routes))
	for i, r := range routes {
		ops[i] = clientv3.OpPut(c.key(r.Id), r.String())
	}
	return c.commit(ctx, "writing routes", ops)
}

// Delete removes the routes of ids; an id without a route is no error.
func (c *Client) Delete(ctx context.Context, ids []string) error {
	ops := make([]clientv3.Op, 0, len(ids))
	seen := make(map[string]bool, len(ids))
	for _, id := range ids {
		if err := checkId(id); err != nil {
			return err
		}
		// One transaction must not name a key twice.
		if !seen[id] {
			seen[id] = true
			ops = append(ops, clientv3.OpDelete(c.key(id)))
		}
	}
	return c.commit(ctx, "deleting routes", ops)
}

// Reset makes the routes in etcd the given ones: it writes those that are
// new or whose canonical expression differs from the stored value's (a
// value that does not parse differs), deletes the ids not given, and
// leaves the others alone, so that their revisions stay and watchers see
// only the real changes. Routes without id get new ones as in Upsert.
// It returns how many keys it wrote and deleted.
func (c *Client) Reset(ctx context.Context, routes []*eskip.Route) (put, deleted int, err error) {
	if err := assignIds(routes); err != nil {
		return 0, 0, err
	}
	s, err := c.read(ctx)
	if err != nil {
		return 0, 0, err
	}
	stored := make(map[string]entry, len(s.entries))
	for _, e := range s.entries {
		stored[e.id] = e
	}
	var ops []clientv3.Op
	keep := make(map[string]bool, len(routes))
	for _, r := range routes {
		keep[r.Id] = true
		text := r.String()
		if e, ok := stored[r.Id]; ok && canonical(e) == text {
			continue
		}
		ops = append(ops, clientv3.OpPut(c.key(r.Id), text))
		put++
	}
	for _, e := range s.entries {
		if !keep[e.id] {
			ops = append(ops, clientv3.OpDelete(e.key))
			deleted++
		}
	}
	if err := c.commit(ctx, "resetting routes", ops); err != nil {
		return 0, 0, err
	}
	return put, deleted, nil
}

// canonical is the canonical expression of a stored value, or "" when it
// is no single route.
func canonical(e entry) string {
	r, inv := parseValue(e.key, e.id, e.value)
	if inv != nil {
		return ""
	}
	return r.String()
}

// Limits of one transaction, below etcd's defaults (128 operations,
// 1.5 MiB a request), so that a large write is split instead of refused.
const (
	maxTxnOps   = 128
	maxTxnBytes = 1 << 20
)

// commit runs ops in as few transactions as the limits allow.
func (c *Client) commit(ctx context.Context, what string, ops []clientv3.Op) error {
	if len(ops) == 0 {
		return nil
	}
	etcd, err := c.conn()
	if err != nil {
		return err
	}
	done := 0
	for start := 0; start < len(ops); {
		end, size := start, 0
		for end < len(ops) && end-start < maxTxnOps {
			n := len(ops[end].KeyBytes()) + len(ops[end].ValueBytes()) + 16
			if end > start && size+n > maxTxnBytes {
				break
			}
			size += n
			end++
		}
		rctx, cancel := c.requestCtx(ctx)
		began := time.Now()
		_, err := etcd.Txn(rctx).Then(ops[start:end]...).Commit()
		cancel()
		if err != nil {
			err = c.explain(err, began)
			if done > 0 {
				return fmt.Errorf("etcd at %s: %s: %d of %d changes made, then: %w", c.endpoints(), what, done, len(ops), err)
			}
			return fmt.Errorf("etcd at %s: %s: %w", c.endpoints(), what, err)
		}
		c.touch()
		done += end - start
		start = end
	}
	return nil
}

// assignIds gives routes without id a new one and checks the others.
func assignIds(routes []*eskip.Route) error {
	seen := make(map[string]bool, len(routes))
	for _, r := range routes {
		if r.Id == "" {
			r.Id = newId()
		}
		if err := checkId(r.Id); err != nil {
			return err
		}
		if seen[r.Id] {
			return fmt.Errorf("etcd: route id %q given twice", r.Id)
		}
		seen[r.Id] = true
	}
	return nil
}

// checkId refuses ids that would not name a route key.
func checkId(id string) error {
	switch {
	case id == "":
		return errors.New("etcd: empty route id")
	case strings.Contains(id, "/"):
		return fmt.Errorf("etcd: route id %q contains a /, which would make a key below the routes that is not read back", id)
	}
	return nil
}

const idChars = "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"

// newId is "route" and 16 random letters and digits, as skipper's
// tools generate them.
func newId() string {
	b := []byte("route0123456789abcdef")
	for i := len("route"); i < len(b); i++ {
		b[i] = idChars[rand.N(len(idChars))]
	}
	return string(b)
}
