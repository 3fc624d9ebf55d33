package polling_test

import (
	"context"
	"errors"
	"maps"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/sirupsen/logrus/hooks/test"

	"github.com/skiff-proxy/skiff/dataclients"
	"github.com/skiff-proxy/skiff/dataclients/polling"
	"github.com/skiff-proxy/skiff/eskip"
	"github.com/skiff-proxy/skiff/routing"
)

// source is a fake of a user's polling client over a route set the test
// replaces. Like many real sources it keeps a change log that LoadUpdate
// consumes, even when it then fails: only a LoadAll recovers what a failed
// LoadUpdate lost.
type source struct {
	mu      sync.Mutex
	routes  map[string]*eskip.Route
	changed map[string]bool // ids changed since the last load
	failing error
}

func (s *source) set(t *testing.T, doc string) {
	t.Helper()
	routes, err := eskip.Parse(doc)
	if err != nil {
		t.Fatal(err)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	next := map[string]*eskip.Route{}
	for _, r := range routes {
		next[r.Id] = r
		s.changed[r.Id] = true
	}
	for id := range s.routes {
		if next[id] == nil {
			s.changed[id] = true
		}
	}
	s.routes = next
}

func (s *source) fail(err error) {
	s.mu.Lock()
	s.failing = err
	s.mu.Unlock()
}

func (s *source) LoadAll() ([]*eskip.Route, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.failing != nil {
		return nil, s.failing
	}
	clear(s.changed)
	var all []*eskip.Route
	for _, r := range s.routes {
		all = append(all, r)
	}
	return all, nil
}

func (s *source) LoadUpdate() ([]*eskip.Route, []string, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	changed := s.changed
	s.changed = map[string]bool{}
	if s.failing != nil {
		return nil, nil, s.failing
	}
	var upserts []*eskip.Route
	var deletes []string
	for id := range changed {
		if r := s.routes[id]; r != nil {
			upserts = append(upserts, r)
		} else {
			deletes = append(deletes, id)
		}
	}
	return upserts, deletes, nil
}

// TestThroughRouting runs a Poller as the data client of a Routing and
// checks which route requests take as the source changes, fails and
// recovers.
func TestThroughRouting(t *testing.T) {
	src := &source{changed: map[string]bool{}}
	src.set(t, `a: Path("/a") -> "http://a1"; b: Path("/b") -> "http://b1";`)
	log, hook := test.NewNullLogger()
	p := polling.New(src, polling.Options{Interval: 5 * time.Millisecond, Name: "catalog", Log: log})
	rr := routing.New(routing.Options{DataClients: []dataclients.DataClient{p}, Log: log})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- rr.Run(ctx) }()
	defer func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("routing.Run: %v", err)
		}
	}()
	select {
	case <-rr.FirstLoad():
	case <-time.After(10 * time.Second):
		t.Fatal("no first load")
	}
	want := func(step string, backends map[string]string) {
		t.Helper()
		var got map[string]string
		for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(2 * time.Millisecond) {
			got = map[string]string{}
			tbl := rr.Acquire()
			for path := range backends {
				var ps routing.Params
				if r := tbl.Match(httptest.NewRequest("GET", path, nil), &ps); r != nil {
					got[path] = r.Def.Backend
				} else {
					got[path] = ""
				}
			}
			tbl.Release()
			if maps.Equal(got, backends) {
				return
			}
		}
		t.Fatalf("%s: requests go to %v, want %v", step, got, backends)
	}

	want("first load", map[string]string{"/a": "http://a1", "/b": "http://b1", "/c": ""})
	tbl := rr.Acquire()
	if rs := tbl.Routes(); len(rs) != 2 || rs[0].Source != "catalog" {
		t.Errorf("routes %v, want two from catalog", rs)
	}
	tbl.Release()

	src.set(t, `a: Path("/a") -> "http://a2"; c: Path("/c") -> "http://c1";`)
	want("update", map[string]string{"/a": "http://a2", "/b": "", "/c": "http://c1"})

	// The source fails; a change made meanwhile is consumed by a failing
	// LoadUpdate (its failure logged), and the routes in effect stay.
	src.fail(errors.New("catalog unavailable"))
	src.set(t, `a: Path("/a") -> "http://a3"; c: Path("/c") -> "http://c1";`)
	for deadline := time.Now().Add(10 * time.Second); loggedUpdateFailures(hook) == 0; time.Sleep(2 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatal("no LoadUpdate failure logged")
		}
	}
	want("failing", map[string]string{"/a": "http://a2", "/b": "", "/c": "http://c1"})

	// Back: the LoadAll after the failure finds the change.
	src.fail(nil)
	want("recovered", map[string]string{"/a": "http://a3", "/b": "", "/c": "http://c1"})

	if n := loggedUpdateFailures(hook); n != 1 {
		t.Errorf("the LoadUpdate failure logged %d times, want once", n)
	}
}

func loggedUpdateFailures(hook *test.Hook) int {
	n := 0
	for _, e := range hook.AllEntries() {
		if e.Data["client"] == "catalog" && e.Message == "LoadUpdate failed; keeping the last routes; the next poll loads all routes" {
			n++
		}
	}
	return n
}
