package config

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"sync"

	"github.com/skiff-proxy/skiff/dataclients"
	"github.com/skiff-proxy/skiff/eskip"
)

// etcdFakeStore is an etcdStore in memory, with the client's rules: one
// route expression per key, the key's last segment is the id, a bad
// value is an invalid route located by its key.
type etcdFakeStore struct {
	mu     sync.Mutex
	prefix string
	kv     map[string]string // id: value
	puts   int               // keys written, over all calls
	closed bool
	fail   error // returned by every operation when set
}

func newEtcdFakeStore(kv map[string]string) *etcdFakeStore {
	s := &etcdFakeStore{prefix: "/skipper", kv: map[string]string{}}
	maps.Copy(s.kv, kv)
	return s
}

func (s *etcdFakeStore) key(id string) string { return s.prefix + "/routes/" + id }

func (s *etcdFakeStore) Load(context.Context) ([]*eskip.Route, []dataclients.InvalidRoute, int64, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.fail != nil {
		return nil, nil, 0, s.fail
	}
	var routes []*eskip.Route
	var invalid []dataclients.InvalidRoute
	for _, id := range slices.Sorted(maps.Keys(s.kv)) {
		rs, err := eskip.ParseDocument(s.key(id), []byte(s.kv[id]))
		if err != nil {
			// As the client: the position in Pos, the message alone
			// in Err.
			pe := eskip.Errors(err)[0]
			invalid = append(invalid, dataclients.InvalidRoute{Id: id,
				Pos: eskip.Position{Source: s.key(id), Line: pe.Line, Column: pe.Column, Offset: pe.Offset},
				Err: errors.New(pe.Msg)})
			continue
		}
		rs[0].Id = id
		routes = append(routes, rs[0])
	}
	return routes, invalid, int64(s.puts), nil
}

func (s *etcdFakeStore) Upsert(_ context.Context, routes []*eskip.Route) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.check(routes); err != nil {
		return err
	}
	for _, r := range routes {
		s.kv[r.Id] = r.String()
		s.puts++
	}
	return nil
}

func (s *etcdFakeStore) Delete(_ context.Context, ids []string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.fail != nil {
		return s.fail
	}
	for _, id := range ids {
		delete(s.kv, id)
	}
	return nil
}

func (s *etcdFakeStore) Reset(_ context.Context, routes []*eskip.Route) (put, deleted int, err error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.check(routes); err != nil {
		return 0, 0, err
	}
	keep := map[string]bool{}
	for _, r := range routes {
		keep[r.Id] = true
		if v, ok := s.kv[r.Id]; !ok || v != r.String() {
			s.kv[r.Id] = r.String()
			s.puts++
			put++
		}
	}
	for id := range s.kv {
		if !keep[id] {
			delete(s.kv, id)
			deleted++
		}
	}
	return put, deleted, nil
}

// check is the client's check before a write: a route without id gets
// one, an id may not repeat.
func (s *etcdFakeStore) check(routes []*eskip.Route) error {
	if s.fail != nil {
		return s.fail
	}
	seen := map[string]bool{}
	for i, r := range routes {
		if r.Id == "" {
			r.Id = fmt.Sprintf("route%016d", i)
		}
		if seen[r.Id] {
			return fmt.Errorf("etcd: route id %q given twice", r.Id)
		}
		seen[r.Id] = true
	}
	return nil
}

func (s *etcdFakeStore) Close() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.closed = true
	return nil
}

func (s *etcdFakeStore) snapshot() map[string]string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return maps.Clone(s.kv)
}
