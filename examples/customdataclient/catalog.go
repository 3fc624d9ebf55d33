package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strings"

	"github.com/sirupsen/logrus"

	"github.com/skiff-proxy/skiff/eskip"
)

// service is the content of one service file, e.g. orders.json:
//
//	{"path": "/orders", "backend": "http://orders.internal:8080"}
//
// which becomes the route
//
//	catalog_orders: PathSubtree("/orders") -> "http://orders.internal:8080";
type service struct {
	Path    string `json:"path"`
	Backend string `json:"backend"`
}

// catalog is a route source in skipper's polling style (LoadAll and
// LoadUpdate) over a directory of service files, one route per *.json
// file. polling.Poller calls it from one goroutine only, so its state
// needs no lock.
type catalog struct {
	dir string
	log logrus.FieldLogger
	// known holds the route ids of the files found by the last load, to
	// tell which routes went away.
	known map[string]bool
	// problems holds, by file name, the problem last logged about the
	// file, so that a broken file is logged once and not on every poll.
	problems map[string]string
}

func newCatalog(dir string, log logrus.FieldLogger) *catalog {
	return &catalog{dir: dir, log: log, problems: map[string]string{}}
}

func (c *catalog) LoadAll() ([]*eskip.Route, error) {
	routes, ids, err := c.read()
	if err != nil {
		return nil, err
	}
	c.known = ids
	return routes, nil
}

// LoadUpdate returns every route, not just the changed ones: the Poller
// sends only those that differ from the routes in effect, so the catalog
// need not remember file versions. It does report the files that went
// away, whose routes must be deleted.
func (c *catalog) LoadUpdate() ([]*eskip.Route, []string, error) {
	routes, ids, err := c.read()
	if err != nil {
		return nil, nil, err
	}
	var deleted []string
	for id := range c.known {
		if !ids[id] {
			deleted = append(deleted, id)
		}
	}
	c.known = ids
	return routes, deleted, nil
}

// read parses every service file. A broken file's id is in ids all the
// same, so that its route is neither upserted nor deleted: the last good
// version stays in effect until the file is fixed, as for eskip files.
func (c *catalog) read() (routes []*eskip.Route, ids map[string]bool, err error) {
	entries, err := os.ReadDir(c.dir)
	if err != nil {
		return nil, nil, err
	}
	ids = map[string]bool{}
	problems := map[string]string{}
	for _, e := range entries {
		name, ok := strings.CutSuffix(e.Name(), ".json")
		if !ok || e.IsDir() {
			continue
		}
		id, err := routeID(name)
		if err == nil {
			ids[id] = true
			var b []byte
			if b, err = os.ReadFile(filepath.Join(c.dir, e.Name())); err == nil {
				var r *eskip.Route
				if r, err = parseService(id, b); err == nil {
					routes = append(routes, r)
				}
			}
		}
		if err != nil {
			problems[e.Name()] = err.Error()
			if c.problems[e.Name()] != err.Error() {
				c.log.Errorf("%s: %v; skipped (its last good route, if any, stays)", filepath.Join(c.dir, e.Name()), err)
			}
		}
	}
	c.problems = problems
	return routes, ids, nil
}

// routeID makes a file name a route id: dashes become underscores, and
// the prefix keeps the catalog's ids apart from those of other route
// sources (of two routes with one id, only one is served). Two names that
// differ only in - and _ would collide: the later in name order wins.
func routeID(name string) (string, error) {
	id := "catalog_" + strings.ReplaceAll(name, "-", "_")
	for _, r := range id {
		if !('a' <= r && r <= 'z' || 'A' <= r && r <= 'Z' || '0' <= r && r <= '9' || r == '_') {
			return "", errors.New("not a service file name: use letters, digits, - and _")
		}
	}
	return id, nil
}

func parseService(id string, b []byte) (*eskip.Route, error) {
	var s service
	if err := json.Unmarshal(b, &s); err != nil {
		return nil, err
	}
	if !strings.HasPrefix(s.Path, "/") {
		return nil, fmt.Errorf(`"path" must start with /, got %q`, s.Path)
	}
	if u, err := url.Parse(s.Backend); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf(`"backend" must be an http or https URL, got %q`, s.Backend)
	}
	return &eskip.Route{
		Id:          id,
		Predicates:  []*eskip.Predicate{{Name: "PathSubtree", Args: []any{s.Path}}},
		BackendType: eskip.NetworkBackend,
		Backend:     s.Backend,
	}, nil
}
