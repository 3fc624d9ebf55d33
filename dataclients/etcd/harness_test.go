package etcd_test

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/sirupsen/logrus"
	"github.com/sirupsen/logrus/hooks/test"
	clientv3 "go.etcd.io/etcd/client/v3"

	"github.com/skiff-proxy/skiff/dataclients"
	"github.com/skiff-proxy/skiff/dataclients/etcd"
	"github.com/skiff-proxy/skiff/dataclients/etcd/etcdtest"
	"github.com/skiff-proxy/skiff/eskip"
)

// fast are options that make outages and batches short in tests.
func fast(o etcd.Options) etcd.Options {
	if o.Timeout == 0 {
		o.Timeout = 200 * time.Millisecond
	}
	if o.MinBackoff == 0 {
		o.MinBackoff = 20 * time.Millisecond
	}
	if o.MaxBackoff == 0 {
		o.MaxBackoff = 300 * time.Millisecond
	}
	return o
}

// prefix is a key prefix of the test's own on the shared server.
// prefix is the test's own key prefix on the shared server: stable within
// a test, new for each run, so that -count=N does not see the keys of an
// earlier run of the same test.
func prefix(t testing.TB) string {
	if p, ok := prefixes.Load(t); ok {
		return p.(string)
	}
	p := fmt.Sprintf("/test/%s-%d", strings.ReplaceAll(t.Name(), "/", "_"), prefixSeq.Add(1))
	if actual, loaded := prefixes.LoadOrStore(t, p); loaded {
		return actual.(string)
	}
	t.Cleanup(func() { prefixes.Delete(t) })
	return p
}

var (
	prefixes  sync.Map // testing.TB -> its prefix
	prefixSeq atomic.Int64
)

// state is what a routing owner knows after applying a client's Updates.
type state struct {
	routes  map[string]string                   // id -> canonical expression
	invalid map[string]dataclients.InvalidRoute // id -> why
}

func (s state) String() string {
	ids := slices.Sorted(maps.Keys(s.invalid))
	return fmt.Sprintf("routes %v, invalid %v", s.routes, ids)
}

func (s state) equal(o state) bool {
	return maps.Equal(s.routes, o.routes) && slices.Equal(slices.Sorted(maps.Keys(s.invalid)), slices.Sorted(maps.Keys(o.invalid)))
}

// harness runs a client's Run and applies what it pushes.
type harness struct {
	t      *testing.T
	c      *etcd.Client
	prefix string
	logs   *test.Hook

	mu      sync.Mutex
	state   state
	updates []dataclients.Update
}

// start makes a client of srv's keys under the test's prefix (o's
// Endpoints and Prefix are filled in unless set) and runs it until the
// test ends. before runs before Run starts.
func start(t *testing.T, srv *etcd.Embedded, o etcd.Options, before ...func(*etcd.Client)) *harness {
	t.Helper()
	if o.Endpoints == nil {
		o.Endpoints = srv.Endpoints()
	}
	if o.Prefix == "" {
		o.Prefix = prefix(t)
	}
	log, hook := newNullLogger()
	o.Log = log
	c, err := etcd.New(fast(o))
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range before {
		f(c)
	}
	h := &harness{t: t, c: c, prefix: o.Prefix, logs: hook, state: state{map[string]string{}, map[string]dataclients.InvalidRoute{}}}

	ctx, cancel := context.WithCancel(context.Background())
	out := make(chan dataclients.Update)
	var wg sync.WaitGroup
	var runErr error
	wg.Go(func() { runErr = c.Run(ctx, out) })
	consumed := make(chan struct{})
	go func() {
		defer close(consumed)
		for {
			select {
			case u := <-out:
				h.apply(u)
			case <-ctx.Done():
				return
			}
		}
	}()
	t.Cleanup(func() {
		cancel()
		wg.Wait()
		<-consumed
		if runErr != nil {
			t.Errorf("Run returned %v after the context ended, want nil", runErr)
		}
		if err := c.Close(); err != nil {
			t.Errorf("Close: %v", err)
		}
		if t.Failed() { // the client's view of what happened
			for _, e := range hook.AllEntries() {
				t.Logf("client log: %s %s", e.Level, e.Message)
			}
		}
	})
	return h
}

func (h *harness) apply(u dataclients.Update) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.updates = append(h.updates, u)
	s := &h.state
	if u.Reset {
		clear(s.routes)
		clear(s.invalid)
	}
	for _, id := range u.Deletes {
		delete(s.routes, id)
		delete(s.invalid, id)
	}
	for _, r := range u.Upserts {
		s.routes[r.Id] = r.String()
		delete(s.invalid, r.Id)
	}
	for _, inv := range u.Invalid {
		delete(s.routes, inv.Id)
		s.invalid[inv.Id] = inv
	}
}

// snapshot returns a copy of the state and the Updates so far.
func (h *harness) snapshot() (state, []dataclients.Update) {
	h.mu.Lock()
	defer h.mu.Unlock()
	return state{maps.Clone(h.state.routes), maps.Clone(h.state.invalid)}, slices.Clone(h.updates)
}

// waitFor waits until cond holds for the state, failing the test after
// a while.
func (h *harness) waitFor(what string, cond func(state) bool) {
	h.t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for {
		s, _ := h.snapshot()
		if cond(s) {
			return
		}
		if time.Now().After(deadline) {
			h.t.Fatalf("waiting for %s: gave up with %v", what, s)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// waitForServer waits until the state is what the server holds.
func (h *harness) waitForServer(kv *clientv3.Client) {
	h.t.Helper()
	var want state
	h.waitFor("the server's routes", func(s state) bool {
		want = serverState(h.t, kv, h.prefix)
		return s.equal(want)
	})
}

// serverState is what a client should push for the keys under prefix,
// read with a plain etcd client and the eskip parser.
func serverState(t testing.TB, kv *clientv3.Client, prefix string) state {
	t.Helper()
	resp, err := kv.Get(ctxT(t), prefix+"/routes/", clientv3.WithPrefix())
	if err != nil {
		t.Fatal(err)
	}
	s := state{map[string]string{}, map[string]dataclients.InvalidRoute{}}
	for _, item := range resp.Kvs {
		id := strings.TrimPrefix(string(item.Key), prefix+"/routes/")
		if strings.Contains(id, "/") {
			continue
		}
		rs, err := eskip.Parse(string(item.Value))
		if err != nil || len(rs) != 1 {
			s.invalid[id] = dataclients.InvalidRoute{Id: id}
			continue
		}
		s.routes[id] = rs[0].String()
	}
	return s
}

// ctxT is a context for one test request.
func ctxT(t testing.TB) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	t.Cleanup(cancel)
	return ctx
}

func put(t testing.TB, kv *clientv3.Client, key, value string, opts ...clientv3.OpOption) {
	t.Helper()
	if _, err := kv.Put(ctxT(t), key, value, opts...); err != nil {
		t.Fatal(err)
	}
}

func del(t testing.TB, kv *clientv3.Client, key string) {
	t.Helper()
	if _, err := kv.Delete(ctxT(t), key); err != nil {
		t.Fatal(err)
	}
}

// sharedKV is a plain client of the shared server.
func sharedKV(t *testing.T) *clientv3.Client { return etcdtest.Client(t, shared) }

// newNullLogger is a logger that keeps its entries, at debug level.
func newNullLogger() (*logrus.Logger, *test.Hook) {
	log, hook := test.NewNullLogger()
	log.SetLevel(logrus.DebugLevel)
	return log, hook
}
