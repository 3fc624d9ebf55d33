package nats

import (
	"context"
	"encoding/json"
	"io"
	"slices"
	"sort"
	"sync"
	"testing"
	"time"

	"github.com/sirupsen/logrus"

	"github.com/skiff-proxy/skiff/dataclients"
	"github.com/skiff-proxy/skiff/dataclients/nats/damping"
	"github.com/skiff-proxy/skiff/dataclients/nats/registration"
	"github.com/skiff-proxy/skiff/dataclients/nats/transport"
	"github.com/skiff-proxy/skiff/eskip"
)

// fakeClock is the clock of a test client and of its damper.
type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func newFakeClock() *fakeClock { return &fakeClock{t: t0} }

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *fakeClock) Add(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

func quietLog() *logrus.Logger {
	l := logrus.New()
	l.SetOutput(io.Discard)
	return l
}

// newTestClient makes a client by New, with a fake clock for it and its
// damper and a quiet log.
func newTestClient(t testing.TB, o Options) (*Client, *fakeClock) {
	t.Helper()
	clk := newFakeClock()
	o.Now = clk.Now
	o.Damping.Now = clk.Now
	if o.Log == nil {
		o.Log = quietLog()
	}
	c, err := New(o)
	if err != nil {
		t.Fatal(err)
	}
	return c, clk
}

// payload is a registration as JSON.
type payload map[string]any

func (p payload) with(kv ...any) payload {
	q := payload{}
	for k, v := range p {
		q[k] = v
	}
	for i := 0; i < len(kv); i += 2 {
		q[kv[i].(string)] = kv[i+1]
	}
	return q
}

func ep(host string, port int, uris ...string) payload {
	return payload{"host": host, "port": port, "uris": uris, "app": "app-guid",
		"private_instance_id": "inst-" + host, "private_instance_index": "0",
		"tags": map[string]string{"component": "route-emitter"}, "availability_zone": "z1"}
}

func send(t testing.TB, c *Client, subject string, p any) {
	t.Helper()
	var data []byte
	switch p := p.(type) {
	case string:
		data = []byte(p)
	default:
		var err error
		if data, err = json.Marshal(p); err != nil {
			t.Fatal(err)
		}
	}
	c.handle(transport.Message{Subject: subject, Data: data})
}

func register(t testing.TB, c *Client, p any) { t.Helper(); send(t, c, transport.SubjectRegister, p) }
func unregister(t testing.TB, c *Client, p any) {
	t.Helper()
	send(t, c, transport.SubjectUnregister, p)
}

// update runs send as Run does when woken, and returns the update it
// sent; ok is false when nothing was dirty. It checks that the wake-up
// signal and the dirty set agree.
func update(t testing.TB, c *Client) (u dataclients.Update, ok bool) {
	t.Helper()
	woken := false
	select {
	case <-c.flush:
		woken = true
	default:
	}
	c.mu.Lock()
	dirty := len(c.dirty)
	c.mu.Unlock()
	if woken != (dirty > 0) {
		t.Errorf("woken %v with %d dirty pools", woken, dirty)
	}
	out := make(chan dataclients.Update, 1)
	if !c.send(context.Background(), out) {
		t.Fatal("send returned false")
	}
	select {
	case u = <-out:
		if len(u.Upserts)+len(u.Deletes) == 0 {
			t.Errorf("send sent an empty update")
		}
		return u, true
	default:
		return u, false
	}
}

// summary lists an update's upserts as "key: endpoints" and its deletes
// as "-id", sorted.
func summary(u dataclients.Update) []string {
	var out []string
	for _, r := range u.Upserts {
		s := r.Predicates[0].Args[0].(string) + ":"
		if r.BackendType == eskip.ShuntBackend {
			s += " shunt"
		}
		for _, e := range r.LBEndpoints {
			s += " " + e.Address
			if e.Zone != "" {
				s += "@" + e.Zone
			}
		}
		out = append(out, s)
	}
	for _, id := range u.Deletes {
		out = append(out, "-"+id)
	}
	sort.Strings(out)
	return out
}

func wantUpdate(t *testing.T, c *Client, want ...string) {
	t.Helper()
	u, ok := update(t, c)
	if len(want) == 0 {
		if ok {
			t.Errorf("update %v, want none", summary(u))
		}
		return
	}
	if !ok {
		t.Errorf("no update, want %v", want)
		return
	}
	sort.Strings(want)
	if got := summary(u); !slices.Equal(got, want) {
		t.Errorf("update\n got %v\nwant %v", got, want)
	}
	for _, r := range u.Upserts {
		key := r.Predicates[0].Args[0].(string)
		if r.Id != routeID(key) || r.Filters[0].Name != PoolFilterName || r.Filters[0].Args[0] != key {
			t.Errorf("route %s of %q: filters %v", r.Id, key, r.Filters)
		}
	}
}

func rid(key string) string { return "-" + routeID(key) }

// Messages through handle change the table, and send turns the pools
// they changed into one update: upserts for pools that exist, deletes for
// pools that went. A refresh that changes nothing marks nothing.
func TestHandleUpdates(t *testing.T) {
	c, clk := newTestClient(t, Options{NoDamping: true})
	a := ep("10.0.0.1", 8080, "a.test", "B.test/X/")
	register(t, c, a)
	wantUpdate(t, c, "a.test: http://10.0.0.1:8080@z1", "b.test/x: http://10.0.0.1:8080@z1")
	if p := c.table.pools["b.test/x"]; p == nil || p.contextPath != "/X" {
		t.Fatalf("pool b.test/x: %+v", p)
	}

	// Refreshes: nothing dirty, only the last-seen time moves.
	clk.Add(time.Second)
	register(t, c, a)
	register(t, c, a.with("port", 8080, "stale_threshold_in_seconds", 0))
	wantUpdate(t, c)
	if seen := c.table.pools["a.test"].eps[0].seen.Load(); seen != clk.Now().UnixNano() {
		t.Errorf("refresh did not move last seen")
	}

	// A change of one field: both pools of the message.
	register(t, c, a.with("availability_zone", "z2"))
	wantUpdate(t, c, "a.test: http://10.0.0.1:8080@z2", "b.test/x: http://10.0.0.1:8080@z2")

	// Several messages before one send make one update.
	register(t, c, ep("10.0.0.2", 8080, "a.test"))
	register(t, c, ep("10.0.0.3", 0, "c.test").with("tls_port", 8443, "availability_zone", ""))
	wantUpdate(t, c, "a.test: http://10.0.0.1:8080@z2 http://10.0.0.2:8080@z1", "c.test: https://10.0.0.3:8443")

	// Unregister: a pool left with endpoints is upserted, an empty one
	// deleted; with only host, port and uris.
	unregister(t, c, payload{"host": "10.0.0.1", "port": 8080, "uris": []string{"a.test", "b.test/x"}})
	wantUpdate(t, c, "a.test: http://10.0.0.2:8080@z1", rid("b.test/x"))
	// Unknown endpoint or URI: nothing.
	unregister(t, c, payload{"host": "10.0.0.9", "port": 8080, "uris": []string{"a.test", "nothing.test"}})
	wantUpdate(t, c)

	// A pool changed and then deleted before the send is a delete only.
	register(t, c, ep("10.0.0.4", 1, "d.test"))
	unregister(t, c, ep("10.0.0.4", 1, "d.test"))
	wantUpdate(t, c, rid("d.test"))

	// Rejected, empty, and filtered messages change nothing.
	before := c.Stats()
	register(t, c, `{"host":"h","port":"8080","uris":["x.test"]}`)
	register(t, c, `{"host":"h","port":1,"uris":["x.test"],"route_service_url":"http://rs"}`)
	register(t, c, `[]`)
	register(t, c, `null`)
	register(t, c, `{"port":1,"uris":["x.test"]}`) // empty host, §3.2 deviation
	register(t, c, payload{"host": "h", "port": 1, "uris": []string{}})
	wantUpdate(t, c)
	if got := c.Stats(); got.Rejected-before.Rejected != 4 || got.Registers != before.Registers {
		t.Errorf("stats %+v after %+v: want 4 more rejected, no registers", got, before)
	}
	if c.table.pools["x.test"] != nil {
		t.Errorf("a rejected message registered")
	}
	if got := c.Stats(); got.Registers != 7 || got.Unregisters != 3 {
		t.Errorf("stats %+v", got)
	}

	// Prune through the client: plain endpoints past their TTL go, TLS
	// ones stay.
	clk.Add(DefaultStaleThreshold + time.Second)
	c.pruneTick(nil, false)
	wantUpdate(t, c, rid("a.test"))
	if c.Stats().Pruned != 1 || c.table.pools["c.test"] == nil {
		t.Errorf("pruned %d; c.test (TLS) kept: %v", c.Stats().Pruned, c.table.pools["c.test"] != nil)
	}
}

// §4.3 point 3 through handle: port and tls_port overwrite each other.
func TestHandlePortOverwrite(t *testing.T) {
	c, _ := newTestClient(t, Options{NoDamping: true})
	m := payload{"host": "127.0.0.1", "uris": []string{"o.test"}}
	register(t, c, m.with("port", 61001, "tls_port", 61002, "server_cert_domain_san", "s1"))
	wantUpdate(t, c, "o.test: https://127.0.0.1:61002")
	register(t, c, m.with("port", 61002))
	wantUpdate(t, c, "o.test: http://127.0.0.1:61002")
	register(t, c, m.with("port", 61001))
	wantUpdate(t, c, "o.test: http://127.0.0.1:61002 http://127.0.0.1:61001") // insertion order
	register(t, c, m.with("tls_port", 61001, "server_cert_domain_san", "s1"))
	wantUpdate(t, c, "o.test: http://127.0.0.1:61002 https://127.0.0.1:61001")
}

// §4.5: with EmptyPool503 and a timeout the emptied pool's route stays,
// a shunt (its filter answers 503), until a prune after the timeout.
func TestHandleRetainedEmptyPool(t *testing.T) {
	c, clk := newTestClient(t, Options{NoDamping: true, EmptyPool503: true, EmptyPoolTimeout: 30 * time.Second})
	a := ep("10.0.0.1", 8080, "e.test")
	register(t, c, a)
	wantUpdate(t, c, "e.test: http://10.0.0.1:8080@z1")
	unregister(t, c, a)
	wantUpdate(t, c, "e.test: shunt")
	clk.Add(30 * time.Second)
	c.pruneTick(nil, false)
	wantUpdate(t, c)
	clk.Add(time.Second)
	c.pruneTick(nil, false)
	wantUpdate(t, c, rid("e.test"))

	// Without the timeout (or without EmptyPool503) it goes at once.
	for _, o := range []Options{{NoDamping: true, EmptyPool503: true}, {NoDamping: true, EmptyPoolTimeout: time.Minute}} {
		c, _ := newTestClient(t, o)
		register(t, c, a)
		update(t, c)
		unregister(t, c, a)
		wantUpdate(t, c, rid("e.test"))
	}
}

// §4.6: sharding filters register and unregister alike.
func TestHandleSharding(t *testing.T) {
	c, _ := newTestClient(t, Options{NoDamping: true, Sharding: registration.ShardSegments, IsolationSegments: []string{"seg"}})
	register(t, c, ep("10.0.0.1", 1, "s.test"))
	register(t, c, ep("10.0.0.2", 1, "s.test").with("isolation_segment", "other"))
	wantUpdate(t, c)
	register(t, c, ep("10.0.0.3", 1, "s.test").with("isolation_segment", "seg"))
	wantUpdate(t, c, "s.test: http://10.0.0.3:1@z1")
	unregister(t, c, payload{"host": "10.0.0.3", "port": 1, "uris": []string{"s.test"}}) // no segment: filtered
	wantUpdate(t, c)
}

// Damping: an endpoint that flaps is suppressed, its latest state held
// and applied later by releaseHeld when the damper releases it; other
// endpoints are not affected; with NoDamping every message applies at
// once.
func TestHandleDamping(t *testing.T) {
	a := ep("10.0.0.1", 8080, "f.test")
	b := ep("10.0.0.2", 8080, "f.test")
	bare := payload{"host": "10.0.0.1", "port": 8080, "uris": []string{"f.test"}}
	key := damperKey{"f.test", "10.0.0.1:8080"}

	t.Run("held unregister released", func(t *testing.T) {
		c, clk := newTestClient(t, Options{Damping: damping.Config{MaxSuppress: 10 * time.Minute}})
		register(t, c, b)
		register(t, c, a)
		wantUpdate(t, c, "f.test: http://10.0.0.2:8080@z1 http://10.0.0.1:8080@z1")
		unregister(t, c, bare) // penalty 100: applied
		wantUpdate(t, c, "f.test: http://10.0.0.2:8080@z1")
		register(t, c, a) // 200, not above 200: applied
		wantUpdate(t, c, "f.test: http://10.0.0.2:8080@z1 http://10.0.0.1:8080@z1")
		unregister(t, c, bare) // 300: suppressed, the unregister held
		wantUpdate(t, c)
		if got := addrs(c.table.pools["f.test"]); len(got) != 2 {
			t.Errorf("held unregister applied: %v", got)
		}
		if st, ok := c.damp.State(key); !ok || !st.Suppressed || st.Held == nil || *st.Held {
			t.Errorf("damper state %+v, %v; want suppressed, holding unregistered", st, ok)
		}
		// The other endpoint is not damped.
		register(t, c, b.with("availability_zone", "z9"))
		wantUpdate(t, c, "f.test: http://10.0.0.2:8080@z9 http://10.0.0.1:8080@z1")

		// Not yet: 300 halves to 150, 75, 37.5, then 18.75 < 20 at 4
		// half-lives (2 minutes).
		clk.Add(90 * time.Second)
		c.releaseHeld()
		wantUpdate(t, c)
		clk.Add(31 * time.Second)
		c.releaseHeld()
		wantUpdate(t, c, "f.test: http://10.0.0.2:8080@z9")
		if _, ok := c.damp.State(key); ok {
			if st, _ := c.damp.State(key); st.Suppressed {
				t.Errorf("still suppressed after the release")
			}
		}
		if len(c.held) != 0 {
			t.Errorf("held %v", c.held)
		}
	})

	t.Run("held register released", func(t *testing.T) {
		c, clk := newTestClient(t, Options{Damping: damping.Config{SuppressAbove: 150, MaxSuppress: 10 * time.Minute}})
		a := a.with("uris", []string{"other.test", "F.test/"}) // the held message's key is found among its URIs
		register(t, c, a)
		wantUpdate(t, c, "f.test: http://10.0.0.1:8080@z1", "other.test: http://10.0.0.1:8080@z1")
		unregister(t, c, bare) // 100: applied
		wantUpdate(t, c, rid("f.test"))
		register(t, c, a.with("availability_zone", "z2")) // f.test: 200 > 150, held; other.test applies
		wantUpdate(t, c, "other.test: http://10.0.0.1:8080@z2")
		if c.table.pools["f.test"] != nil {
			t.Fatalf("held register applied")
		}
		if c.held[key] == nil {
			t.Fatalf("no held message for %v: %v", key, c.held)
		}
		// Another register while suppressed replaces the held message.
		register(t, c, a.with("availability_zone", "z3"))
		wantUpdate(t, c, "other.test: http://10.0.0.1:8080@z3")

		// 200 falls below 20 after log2(10) half-lives, 99.7s.
		clk.Add(99 * time.Second)
		c.releaseHeld()
		wantUpdate(t, c)
		clk.Add(2 * time.Second)
		c.releaseHeld()
		wantUpdate(t, c, "f.test: http://10.0.0.1:8080@z3")
		if p := c.table.pools["f.test"]; p == nil || p.contextPath != "/" {
			t.Errorf("released pool %+v", p)
		}
		if len(c.held) != 0 {
			t.Errorf("held %v", c.held)
		}
	})

	t.Run("held register discarded after MaxSuppress", func(t *testing.T) {
		c, clk := newTestClient(t, Options{Damping: damping.Config{SuppressAbove: 150}})
		register(t, c, a)
		unregister(t, c, bare)
		register(t, c, a) // held
		update(t, c)
		if c.table.pools["f.test"] != nil || c.held[key] == nil {
			t.Fatalf("not held")
		}
		// At 95s the penalty is 200·2^(-95/30) ≈ 22 > 20, and the
		// suppression is older than 90s: the held register is dropped.
		clk.Add(95 * time.Second)
		c.releaseHeld()
		wantUpdate(t, c)
		if c.table.pools["f.test"] != nil || len(c.held) != 0 {
			t.Errorf("discarded register applied (%v) or kept (%v)", c.table.pools["f.test"] != nil, c.held)
		}
		// The next register applies at once.
		register(t, c, a)
		wantUpdate(t, c, "f.test: http://10.0.0.1:8080@z1")
	})

	t.Run("suppressed endpoint refreshes", func(t *testing.T) {
		c, clk := newTestClient(t, Options{Damping: damping.Config{MaxSuppress: 10 * time.Minute}})
		register(t, c, a)
		unregister(t, c, bare)
		register(t, c, a)
		unregister(t, c, bare) // held
		register(t, c, a)      // back to the applied state: applies, as a refresh
		update(t, c)
		clk.Add(10 * time.Second)
		register(t, c, a)
		wantUpdate(t, c)
		if seen := c.table.pools["f.test"].eps[0].seen.Load(); seen != clk.Now().UnixNano() {
			t.Errorf("register of a suppressed endpoint did not refresh it")
		}
		clk.Add(5 * time.Minute)
		c.releaseHeld()
		wantUpdate(t, c) // nothing held: nothing released
		if p := c.table.pools["f.test"]; p == nil || len(p.eps) != 1 {
			t.Errorf("endpoint gone")
		}
	})

	t.Run("NoDamping", func(t *testing.T) {
		c, _ := newTestClient(t, Options{NoDamping: true})
		for i := range 10 {
			register(t, c, a)
			wantUpdate(t, c, "f.test: http://10.0.0.1:8080@z1")
			unregister(t, c, bare)
			wantUpdate(t, c, rid("f.test"))
			if i == 9 && c.damp != nil {
				t.Errorf("damper made")
			}
		}
		c.releaseHeld() // a no-op without a damper
		wantUpdate(t, c)
	})
}

// §6.2 with §18 E 21-22's configuration (droplet_stale_threshold 4s,
// start_response_delay_interval 1s): a TTL above the threshold is clamped
// to it; an endpoint registered once is kept by a prune at 4s and gone at
// the next; re-registered every second it stays.
func TestHandleExpiryWindow(t *testing.T) {
	c, clk := newTestClient(t, Options{NoDamping: true,
		Transport: transport.Config{PruneThreshold: 4 * time.Second, RegisterInterval: time.Second}})
	once := ep("10.0.0.1", 1, "once.test").with("stale_threshold_in_seconds", 10)
	kept := ep("10.0.0.2", 1, "kept.test")
	register(t, c, once)
	register(t, c, kept)
	update(t, c)
	if ttl := c.table.pools["once.test"].eps[0].ttl; ttl != 4*time.Second {
		t.Errorf("TTL %v, want the 4s threshold", ttl)
	}
	for i := range 15 {
		clk.Add(time.Second)
		register(t, c, kept)
		c.pruneTick(nil, false)
		if i < 4 {
			wantUpdate(t, c) // at 1s..4s: nothing pruned
		} else if i == 4 {
			wantUpdate(t, c, rid("once.test"))
		}
	}
	if c.table.pools["kept.test"] == nil {
		t.Errorf("refreshed endpoint pruned")
	}
	// With RegisterInterval above the threshold, the threshold is raised
	// to it (§6.1).
	c2, _ := newTestClient(t, Options{Transport: transport.Config{PruneThreshold: 4 * time.Second, RegisterInterval: 10 * time.Second}})
	if c2.table.staleThreshold != 10*time.Second {
		t.Errorf("threshold %v, want 10s", c2.table.staleThreshold)
	}
}
