package nats

import (
	"maps"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/skiff-proxy/skiff/dataclients/nats/registration"
)

// t0 is the start of every test's fake time.
var t0 = time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)

// baseMsg is a plain registration of 10.0.0.1:8080 for app.test, with
// every field the equality of §4.3 compares set to something.
func baseMsg() registration.Message {
	return registration.Message{
		Host: "10.0.0.1", Port: 8080, URIs: []string{"app.test"},
		App: "app-guid", PrivateInstanceID: "inst-1", PrivateInstanceIndex: "0",
		Protocol: "http1", ServerCertDomainSAN: "", IsolationSegment: "",
		AvailabilityZone: "z1", EndpointUpdatedAtNs: 1,
		Tags: map[string]string{"component": "route-emitter"},
	}
}

func with(change func(*registration.Message)) registration.Message {
	m := baseMsg()
	change(&m)
	return m
}

// reg applies m's registration for each of its URIs, as handle does,
// and returns the changes.
func reg(tb *table, m registration.Message, at time.Time) changes {
	ch := changes{}
	addr, tls := m.Address()
	for _, u := range m.URIs {
		key, cp := registration.RouteKey(u)
		tb.register(key, cp, &m, addr, tls, at, ch)
	}
	return ch
}

// unreg applies m's unregistration for each of its URIs.
func unreg(tb *table, m registration.Message, at time.Time) (changes, bool) {
	ch := changes{}
	addr, _ := m.Address()
	found := true
	for _, u := range m.URIs {
		key, _ := registration.RouteKey(u)
		found = tb.unregister(key, addr, at, ch) && found
	}
	return ch, found
}

func ptr[T any](v T) *T { return &v }

func newTestTable() *table { return newTable(RoundRobin, DefaultStaleThreshold, 0) }

// addrs lists a pool's endpoints as "addr" or "addr tls", in pool order.
func addrs(p *pool) []string {
	var out []string
	for _, e := range p.eps {
		s := e.addr
		if e.tls {
			s += " tls"
		}
		out = append(out, s)
	}
	return out
}

// checkConsistent checks the table's invariants: byAddr indexes eps,
// and nodes counts the pools under every segment prefix.
func checkConsistent(t *testing.T, tb *table) {
	t.Helper()
	nodes := map[string]int{}
	for k, p := range tb.pools {
		if p.key != k {
			t.Errorf("pool %q filed under %q", p.key, k)
		}
		if len(p.byAddr) != len(p.eps) {
			t.Errorf("pool %q: %d endpoints, %d in byAddr", k, len(p.eps), len(p.byAddr))
		}
		for _, e := range p.eps {
			if p.byAddr[e.addr] != e {
				t.Errorf("pool %q: byAddr[%q] is not the endpoint in eps", k, e.addr)
			}
		}
		for i := 0; ; {
			j := strings.IndexByte(k[i:], '/')
			if j < 0 {
				nodes[k]++
				break
			}
			nodes[k[:i+j]]++
			i += j + 1
		}
	}
	if !maps.Equal(nodes, tb.nodes) {
		t.Errorf("nodes = %v, want %v", tb.nodes, nodes)
	}
}

func keysOf(ch changes) []string {
	ks := slices.Collect(maps.Keys(ch))
	sort.Strings(ks)
	return ks
}

// §4.3 point 2: a registration equal to the stored one only refreshes
// the last-seen time and changes nothing; any difference in the
// compared fields replaces the endpoint (a new object), and marks the
// pool changed. skiff's equality includes the availability zone.
func TestRegisterRefreshOrReplace(t *testing.T) {
	for _, tc := range []struct {
		name    string
		first   *registration.Message // nil: baseMsg()
		second  registration.Message
		changed bool // the second registration replaces the endpoint
	}{
		{name: "identical", second: baseMsg()},
		{name: "identical with tags in another map", second: with(func(m *registration.Message) {
			m.Tags = map[string]string{"component": "route-emitter"}
		})},
		{name: "port ignored when tls_port is the address",
			first:  ptr(with(func(m *registration.Message) { m.Port, m.TLSPort = 61001, 61002 })),
			second: with(func(m *registration.Message) { m.Port, m.TLSPort = 61003, 61002 })},
		{name: "stale threshold above the default clamps to the default", second: with(func(m *registration.Message) {
			m.StaleThresholdInSeconds = 500 // 120s, as 0 gives
		})},
		{name: "stale threshold equal to the default", second: with(func(m *registration.Message) { m.StaleThresholdInSeconds = 120 })},
		{name: "URIs are not compared", second: with(func(m *registration.Message) { m.URIs = []string{"APP.test/"} })},
		{name: "availability zone (skiff deviation: compared)", second: with(func(m *registration.Message) { m.AvailabilityZone = "z2" }), changed: true},
		{name: "app", second: with(func(m *registration.Message) { m.App = "other" }), changed: true},
		{name: "protocol", second: with(func(m *registration.Message) { m.Protocol = "http2" }), changed: true},
		{name: "protocol empty is http1", second: with(func(m *registration.Message) { m.Protocol = "" })},
		{name: "protocol http1 after empty", first: ptr(with(func(m *registration.Message) { m.Protocol = "" })), second: baseMsg()},
		{name: "unknown protocol verbatim", second: with(func(m *registration.Message) { m.Protocol = "HTTP1" }), changed: true},
		{name: "server cert SAN", second: with(func(m *registration.Message) { m.ServerCertDomainSAN = "san" }), changed: true},
		{name: "instance id", second: with(func(m *registration.Message) { m.PrivateInstanceID = "inst-2" }), changed: true},
		{name: "instance index", second: with(func(m *registration.Message) { m.PrivateInstanceIndex = "1" }), changed: true},
		{name: "TTL", second: with(func(m *registration.Message) { m.StaleThresholdInSeconds = 30 }), changed: true},
		{name: "negative TTL", second: with(func(m *registration.Message) { m.StaleThresholdInSeconds = -1 }), changed: true},
		{name: "route service URL", second: with(func(m *registration.Message) { m.RouteServiceURL = "https://rs" }), changed: true},
		{name: "isolation segment", second: with(func(m *registration.Message) { m.IsolationSegment = "seg" }), changed: true},
		{name: "endpoint_updated_at_ns", second: with(func(m *registration.Message) { m.EndpointUpdatedAtNs = 2 }), changed: true},
		{name: "load-balancing option", second: with(func(m *registration.Message) { m.Options.LoadBalancing = LeastConnection }), changed: true},
		{name: "unknown load-balancing option", second: with(func(m *registration.Message) { m.Options.LoadBalancing = "bogus" }), changed: true},
		{name: "tag value", second: with(func(m *registration.Message) { m.Tags["component"] = "x" }), changed: true},
		{name: "tag added", second: with(func(m *registration.Message) { m.Tags["process_id"] = "p" }), changed: true},
		{name: "tags nil", second: with(func(m *registration.Message) { m.Tags = nil }), changed: true},
		{name: "tags empty", second: with(func(m *registration.Message) { m.Tags = map[string]string{} }), changed: true},
		{name: "plain to TLS on the same port", second: with(func(m *registration.Message) {
			m.Port, m.TLSPort = 0, 8080
		}), changed: true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			first := baseMsg()
			if tc.first != nil {
				first = *tc.first
			}
			second := tc.second
			tb := newTestTable()
			if ch := reg(tb, first, t0); !slices.Equal(keysOf(ch), []string{"app.test"}) {
				t.Fatalf("first registration changed %v, want [app.test]", keysOf(ch))
			}
			p := tb.pools["app.test"]
			e1 := p.eps[0]
			later := t0.Add(10 * time.Second)
			ch := reg(tb, second, later)
			if got := len(ch) > 0; got != tc.changed {
				t.Errorf("second registration changed %v, want changed=%v", keysOf(ch), tc.changed)
			}
			if len(p.eps) != 1 {
				t.Fatalf("pool has %v, want one endpoint", addrs(p))
			}
			e2 := p.eps[0]
			if replaced := e2 != e1; replaced != tc.changed {
				t.Errorf("endpoint replaced: %v, want %v", replaced, tc.changed)
			}
			if got := e2.seen.Load(); got != later.UnixNano() {
				t.Errorf("last seen %v, want the second registration's time", time.Unix(0, got).UTC())
			}
			if tc.changed && e2.msg.AvailabilityZone != second.AvailabilityZone {
				t.Errorf("AZ %q, want %q", e2.msg.AvailabilityZone, second.AvailabilityZone)
			}
			if e2.msg.URIs != nil {
				t.Errorf("stored message keeps URIs %v", e2.msg.URIs)
			}
			checkConsistent(t, tb)
		})
	}
}

// §4.3 point 3: the address is the key, so port and tls_port overwrite
// each other; and point 4, last message wins.
func TestRegisterPortAndTLSPortOverwrite(t *testing.T) {
	plain := func(port uint16) registration.Message {
		return with(func(m *registration.Message) { m.Port, m.TLSPort = port, 0 })
	}
	both := func(port, tlsPort uint16) registration.Message {
		return with(func(m *registration.Message) { m.Port, m.TLSPort, m.ServerCertDomainSAN = port, tlsPort, "s1" })
	}
	for _, tc := range []struct {
		name string
		msgs []registration.Message
		want []string
	}{
		{name: "plain 8443 replaced by TLS 8443", msgs: []registration.Message{plain(8443), both(0, 8443)}, want: []string{"10.0.0.1:8443 tls"}},
		{name: "TLS 8443 replaced by plain 8443", msgs: []registration.Message{both(0, 8443), plain(8443)}, want: []string{"10.0.0.1:8443"}},
		{name: "{61001,61002} then {61002}: one endpoint, now plain", msgs: []registration.Message{both(61001, 61002), plain(61002)}, want: []string{"10.0.0.1:61002"}},
		{name: "{61001,61002} then {61001}: two endpoints", msgs: []registration.Message{both(61001, 61002), plain(61001)}, want: []string{"10.0.0.1:61002 tls", "10.0.0.1:61001"}},
		{name: "tls_port wins, port is no second endpoint", msgs: []registration.Message{both(61001, 61002)}, want: []string{"10.0.0.1:61002 tls"}},
		{name: "replacement keeps the position", msgs: []registration.Message{plain(1), plain(2), plain(3), both(0, 2)}, want: []string{"10.0.0.1:1", "10.0.0.1:2 tls", "10.0.0.1:3"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tb := newTestTable()
			for i, m := range tc.msgs {
				reg(tb, m, t0.Add(time.Duration(i)*time.Second))
			}
			if got := addrs(tb.pools["app.test"]); !slices.Equal(got, tc.want) {
				t.Errorf("endpoints %v, want %v", got, tc.want)
			}
			checkConsistent(t, tb)
		})
	}

	// §4.3 point 4: register, unregister, a delayed register: present.
	tb := newTestTable()
	reg(tb, baseMsg(), t0)
	unreg(tb, baseMsg(), t0.Add(time.Second))
	reg(tb, baseMsg(), t0.Add(2*time.Second))
	if p := tb.pools["app.test"]; p == nil || len(p.eps) != 1 {
		t.Errorf("the delayed register did not re-create the endpoint")
	}
}

// §4.1, §4.2: one pool per route key, the context path as first
// registered, the same message registering into every pool of its URIs.
func TestRegisterKeysAndContextPath(t *testing.T) {
	tb := newTestTable()
	m := with(func(m *registration.Message) { m.URIs = []string{"MyApp.Example.COM/Api/?q=1", "b.test/x"} })
	ch := reg(tb, m, t0)
	if got := keysOf(ch); !slices.Equal(got, []string{"b.test/x", "myapp.example.com/api"}) {
		t.Fatalf("changed %v", got)
	}
	p := tb.pools["myapp.example.com/api"]
	if p.contextPath != "/Api" || p.key != "myapp.example.com/api" || p.algorithm != RoundRobin {
		t.Errorf("pool context path %q key %q algorithm %q", p.contextPath, p.key, p.algorithm)
	}
	if ch["b.test/x"] != tb.pools["b.test/x"].routeID {
		t.Errorf("changes carry %q, want the route id", ch["b.test/x"])
	}
	// A later registration in another case keeps the first context path.
	reg(tb, with(func(m *registration.Message) { m.Host = "10.0.0.2"; m.URIs = []string{"myapp.example.com/API"} }), t0)
	if p.contextPath != "/Api" || len(p.eps) != 2 {
		t.Errorf("context path %q, %d endpoints", p.contextPath, len(p.eps))
	}
	if tb.pools["b.test/x"].routeID == p.routeID {
		t.Errorf("two pools share the route id %q", p.routeID)
	}
	checkConsistent(t, tb)
}

// §4.4: the route service URL is the pool's, last writer wins (the empty
// string too); the algorithm switches on a valid non-empty value only and
// never reverts while the pool exists.
func TestPoolAttributes(t *testing.T) {
	ep := func(host, rs, lb string) registration.Message {
		return with(func(m *registration.Message) { m.Host, m.RouteServiceURL, m.Options.LoadBalancing = host, rs, lb })
	}
	type step struct {
		m        registration.Message
		unreg    bool
		wantRS   string
		wantAlgo string
		changed  bool
	}
	for _, tc := range []struct {
		name    string
		defAlgo string
		steps   []step
	}{
		{name: "route service last writer wins", defAlgo: RoundRobin, steps: []step{
			{m: ep("h1", "https://a", ""), wantRS: "https://a", wantAlgo: RoundRobin, changed: true},
			{m: ep("h2", "https://b", ""), wantRS: "https://b", wantAlgo: RoundRobin, changed: true},
			{m: ep("h1", "https://a", ""), wantRS: "https://a", wantAlgo: RoundRobin, changed: true}, // same endpoint, other pool value
			{m: ep("h1", "https://a", ""), wantRS: "https://a", wantAlgo: RoundRobin},                // a pure refresh
			{m: ep("h2", "", ""), wantRS: "", wantAlgo: RoundRobin, changed: true},                   // the empty string too
		}},
		{name: "algorithm switches and never reverts", defAlgo: RoundRobin, steps: []step{
			{m: ep("h1", "", ""), wantAlgo: RoundRobin, changed: true},
			{m: ep("h1", "", LeastConnection), wantAlgo: LeastConnection, changed: true},
			{m: ep("h1", "", LeastConnection), wantAlgo: LeastConnection},
			{m: ep("h2", "", ""), wantAlgo: LeastConnection, changed: true},
			{m: ep("h1", "", ""), wantAlgo: LeastConnection, changed: true}, // option removed: endpoint changes, pool does not
			{m: ep("h1", "", "bogus"), wantAlgo: LeastConnection, changed: true},
			{m: ep("h2", "", "Round-Robin"), wantAlgo: LeastConnection, changed: true}, // not valid: case matters
			{m: ep("h2", "", RoundRobin), wantAlgo: RoundRobin, changed: true},
			{m: ep("h1", "", LeastConnection), wantAlgo: LeastConnection, changed: true},
			// A refresh of h2 with its round-robin option switches the pool
			// back: the value differs from the pool's.
			{m: ep("h2", "", RoundRobin), wantAlgo: RoundRobin, changed: true},
			{m: ep("h2", "", RoundRobin), wantAlgo: RoundRobin},
		}},
		{name: "re-created pool takes the default again", defAlgo: LeastConnection, steps: []step{
			{m: ep("h1", "", RoundRobin), wantAlgo: RoundRobin, changed: true},
			{m: ep("h1", "", RoundRobin), unreg: true, changed: true},
			{m: ep("h1", "", ""), wantAlgo: LeastConnection, changed: true},
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tb := newTable(tc.defAlgo, DefaultStaleThreshold, 0)
			for i, s := range tc.steps {
				var ch changes
				if s.unreg {
					ch, _ = unreg(tb, s.m, t0)
					if tb.pools["app.test"] != nil {
						t.Fatalf("step %d: pool not deleted", i)
					}
				} else {
					ch = reg(tb, s.m, t0)
					p := tb.pools["app.test"]
					if p.routeServiceURL != s.wantRS || p.algorithm != s.wantAlgo {
						t.Errorf("step %d: route service %q algorithm %q, want %q %q", i, p.routeServiceURL, p.algorithm, s.wantRS, s.wantAlgo)
					}
				}
				if got := len(ch) > 0; got != s.changed {
					t.Errorf("step %d: changed=%v, want %v", i, got, s.changed)
				}
			}
		})
	}
}

// §4.5: unregister removes by address alone; an emptied pool goes at
// once unless retained (EmptyPool503 with a timeout), then it goes at the
// first prune after the timeout.
func TestUnregister(t *testing.T) {
	a := baseMsg()
	b := with(func(m *registration.Message) { m.Host = "10.0.0.2"; m.PrivateInstanceID = "inst-2" })
	tlsEp := with(func(m *registration.Message) { m.Host, m.Port, m.TLSPort = "10.0.0.3", 1, 8443 })

	t.Run("by address only", func(t *testing.T) {
		tb := newTestTable()
		reg(tb, a, t0)
		reg(tb, b, t0)
		reg(tb, tlsEp, t0)
		// Only host, port and uris, as §18 case 17 sends.
		bare := registration.Message{Host: "10.0.0.2", Port: 8080, URIs: []string{"APP.test/"}}
		ch, ok := unreg(tb, bare, t0)
		if !ok || !slices.Equal(keysOf(ch), []string{"app.test"}) {
			t.Fatalf("unregister = %v, %v", ok, keysOf(ch))
		}
		if got := addrs(tb.pools["app.test"]); !slices.Equal(got, []string{"10.0.0.1:8080", "10.0.0.3:8443 tls"}) {
			t.Errorf("endpoints %v", got)
		}
		// The TLS endpoint's address is computed as for register (§3.3).
		if _, ok := unreg(tb, registration.Message{Host: "10.0.0.3", Port: 8443, URIs: []string{"app.test"}}, t0); !ok {
			t.Errorf("plain port 8443 did not unregister the TLS endpoint 10.0.0.3:8443")
		}
		if _, ok := unreg(tb, registration.Message{Host: "10.0.0.1", Port: 1, TLSPort: 8080, URIs: []string{"app.test"}}, t0); !ok {
			t.Errorf("tls_port 8080 did not unregister 10.0.0.1:8080")
		}
		if tb.pools["app.test"] != nil {
			t.Errorf("empty pool not deleted")
		}
		if len(tb.nodes) != 0 || len(tb.pools) != 0 {
			t.Errorf("table not empty: %v %v", tb.pools, tb.nodes)
		}
	})

	t.Run("unknown", func(t *testing.T) {
		tb := newTestTable()
		reg(tb, a, t0)
		for _, m := range []registration.Message{
			with(func(m *registration.Message) { m.URIs = []string{"other.test"} }),
			with(func(m *registration.Message) { m.Port = 9 }),
			with(func(m *registration.Message) { m.URIs = []string{"app.test/x"} }),
		} {
			if ch, ok := unreg(tb, m, t0); ok || len(ch) != 0 {
				t.Errorf("unregister %v %s:%d = %v, changed %v", m.URIs, m.Host, m.Port, ok, keysOf(ch))
			}
		}
		if len(tb.pools["app.test"].eps) != 1 {
			t.Errorf("endpoint gone")
		}
	})

	t.Run("deep keys free their nodes", func(t *testing.T) {
		tb := newTestTable()
		deep := with(func(m *registration.Message) { m.URIs = []string{"d.test/a/b", "d.test/a", "d.test"} })
		reg(tb, deep, t0)
		checkConsistent(t, tb)
		unreg(tb, with(func(m *registration.Message) { m.URIs = []string{"d.test/a"} }), t0)
		checkConsistent(t, tb)
		if tb.nodes["d.test/a"] != 1 || tb.nodes["d.test"] != 2 {
			t.Errorf("nodes %v", tb.nodes)
		}
		unreg(tb, deep, t0)
		if len(tb.nodes) != 0 {
			t.Errorf("nodes left: %v", tb.nodes)
		}
	})

	for _, tc := range []struct {
		name   string
		retain time.Duration
	}{{"not retained", 0}, {"retained", 30 * time.Second}} {
		t.Run(tc.name, func(t *testing.T) {
			tb := newTable(RoundRobin, DefaultStaleThreshold, tc.retain)
			reg(tb, a, t0)
			p := tb.pools["app.test"]
			at := t0.Add(5 * time.Second)
			ch, _ := unreg(tb, a, at)
			if ch["app.test"] != p.routeID {
				t.Errorf("changes %v", ch)
			}
			if tc.retain == 0 {
				if tb.pools["app.test"] != nil {
					t.Fatal("pool kept")
				}
				return
			}
			if tb.pools["app.test"] != p || len(p.eps) != 0 || !p.emptySince.Equal(at) {
				t.Fatalf("pool not retained empty since %v: %v", at, tb.pools)
			}
			if got := tb.lookup("app.test", "/"); got != p {
				t.Errorf("lookup of the retained pool = %v", got)
			}
			// Unregistering again is a no-op.
			if _, ok := unreg(tb, a, at); ok {
				t.Errorf("second unregister found the endpoint")
			}
			// Kept up to the timeout, deleted at the first prune after it.
			for _, d := range []time.Duration{0, 10 * time.Second, tc.retain} {
				ch := changes{}
				tb.prune(at.Add(d), ch)
				if tb.pools["app.test"] != p || len(ch) != 0 {
					t.Fatalf("prune at +%v: pool gone or changed %v", d, keysOf(ch))
				}
			}
			ch = changes{}
			tb.prune(at.Add(tc.retain+time.Nanosecond), ch)
			if tb.pools["app.test"] != nil || ch["app.test"] != p.routeID {
				t.Errorf("prune after the timeout: pool %v, changes %v", tb.pools["app.test"], ch)
			}
			checkConsistent(t, tb)
			if len(tb.nodes) != 0 {
				t.Errorf("nodes left %v", tb.nodes)
			}
		})
	}

	t.Run("register into a retained pool", func(t *testing.T) {
		tb := newTable(RoundRobin, DefaultStaleThreshold, 30*time.Second)
		reg(tb, a, t0)
		unreg(tb, a, t0)
		p := tb.pools["app.test"]
		reg(tb, b, t0.Add(time.Second))
		if tb.pools["app.test"] != p || !p.emptySince.IsZero() || len(p.eps) != 1 {
			t.Fatalf("register into the retained pool: %v, emptySince %v", addrs(p), p.emptySince)
		}
		// Not empty: no prune within the TTL deletes it.
		tb.prune(t0.Add(time.Minute), changes{})
		if tb.pools["app.test"] != p {
			t.Errorf("pool with an endpoint pruned")
		}
	})
}

// §6.2, §6.3: plain endpoints go at the first prune after their TTL; a
// negative TTL is already stale; TLS endpoints are never pruned by age;
// pools emptied by pruning go, unless retained.
func TestPrune(t *testing.T) {
	plain := func(host string, ttl int) registration.Message {
		return with(func(m *registration.Message) {
			m.Host, m.StaleThresholdInSeconds, m.IsolationSegment = host, ttl, "seg-"+host
		})
	}
	tlsM := func(host string, ttl int) registration.Message {
		return with(func(m *registration.Message) {
			m.Host, m.Port, m.TLSPort, m.StaleThresholdInSeconds = host, 0, 8443, ttl
		})
	}
	for _, tc := range []struct {
		name   string
		m      registration.Message
		kept   time.Duration // still there at a prune this long after the registration
		pruned time.Duration // gone at a prune this long after it
	}{
		{name: "default TTL", m: plain("a", 0), kept: DefaultStaleThreshold, pruned: DefaultStaleThreshold + time.Nanosecond},
		{name: "shorter TTL", m: plain("a", 5), kept: 5 * time.Second, pruned: 5*time.Second + time.Nanosecond},
		{name: "TTL above the default is clamped", m: plain("a", 1000), kept: DefaultStaleThreshold, pruned: DefaultStaleThreshold + time.Nanosecond},
		{name: "negative TTL is stale at once", m: plain("a", -5), kept: -time.Hour, pruned: 0},
		{name: "TLS never", m: tlsM("a", 0), kept: 1000 * time.Hour},
		{name: "TLS with a short TTL never", m: tlsM("a", 1), kept: 1000 * time.Hour},
		{name: "TLS with a negative TTL never", m: tlsM("a", -5), kept: 1000 * time.Hour},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tb := newTestTable()
			reg(tb, tc.m, t0)
			addr, _ := tc.m.Address()
			if tc.kept >= 0 {
				ch := changes{}
				if out := tb.prune(t0.Add(tc.kept), ch); len(out) != 0 || len(ch) != 0 {
					t.Errorf("prune at +%v removed %v", tc.kept, out)
				}
				if p := tb.pools["app.test"]; p == nil || len(p.eps) != 1 {
					t.Fatalf("endpoint gone at +%v", tc.kept)
				}
			}
			if tc.pruned == 0 && tc.kept != -time.Hour {
				return
			}
			p := tb.pools["app.test"]
			ch := changes{}
			out := tb.prune(t0.Add(tc.pruned), ch)
			want := []pruned{{"app.test", addr, tc.m.IsolationSegment}}
			if !slices.Equal(out, want) {
				t.Errorf("prune at +%v = %v, want %v", tc.pruned, out, want)
			}
			if tb.pools["app.test"] != nil || ch["app.test"] != p.routeID {
				t.Errorf("emptied pool kept, or changes %v", ch)
			}
			if !tb.lastUpdate.Equal(t0.Add(tc.pruned)) {
				t.Errorf("lastUpdate %v", tb.lastUpdate)
			}
		})
	}

	t.Run("refresh keeps alive, mixed pool", func(t *testing.T) {
		tb := newTestTable()
		reg(tb, plain("a", 10), t0)
		reg(tb, plain("b", 10), t0)
		reg(tb, tlsM("c", 10), t0)
		reg(tb, plain("a", 10), t0.Add(8*time.Second)) // a refresh
		out := tb.prune(t0.Add(15*time.Second), changes{})
		if len(out) != 1 || out[0].addr != "b:8080" || out[0].isolationSegment != "seg-b" {
			t.Errorf("pruned %v, want b", out)
		}
		if got := addrs(tb.pools["app.test"]); !slices.Equal(got, []string{"a:8080", "c:8443 tls"}) {
			t.Errorf("left %v", got)
		}
		out = tb.prune(t0.Add(19*time.Second), changes{})
		if len(out) != 1 || out[0].addr != "a:8080" {
			t.Errorf("pruned %v, want a", out)
		}
		checkConsistent(t, tb)
	})

	t.Run("emptied by pruning, retained", func(t *testing.T) {
		tb := newTable(RoundRobin, DefaultStaleThreshold, 30*time.Second)
		reg(tb, plain("a", 5), t0)
		at := t0.Add(6 * time.Second)
		ch := changes{}
		tb.prune(at, ch)
		p := tb.pools["app.test"]
		if p == nil || len(p.eps) != 0 || !p.emptySince.Equal(at) || len(ch) != 1 {
			t.Fatalf("pool not retained empty: %v %v", p, ch)
		}
		tb.prune(at.Add(30*time.Second), changes{})
		if tb.pools["app.test"] == nil {
			t.Fatalf("deleted at the timeout, want after it")
		}
		tb.prune(at.Add(31*time.Second), changes{})
		if tb.pools["app.test"] != nil {
			t.Errorf("not deleted after the timeout")
		}
	})

	t.Run("many pools", func(t *testing.T) {
		tb := newTestTable()
		for i := range 100 {
			m := plain("h", 5+i%2*100)
			m.URIs = []string{"p" + string(rune('a'+i%26)) + ".test/" + string(rune('a'+i/26))}
			reg(tb, m, t0)
		}
		out := tb.prune(t0.Add(10*time.Second), changes{})
		if len(out) != 50 || len(tb.pools) != 50 {
			t.Errorf("pruned %d, %d pools left; want 50, 50", len(out), len(tb.pools))
		}
		checkConsistent(t, tb)
	})
}

// §6.4: refreshAll gives every endpoint a full TTL from then.
func TestRefreshAll(t *testing.T) {
	tb := newTestTable()
	reg(tb, baseMsg(), t0)
	reg(tb, with(func(m *registration.Message) { m.Host = "b"; m.URIs = []string{"b.test/x"} }), t0)
	reg(tb, with(func(m *registration.Message) { m.Host = "s"; m.StaleThresholdInSeconds = 10 }), t0)
	back := t0.Add(time.Hour)
	tb.refreshAll(back)
	for _, p := range tb.pools {
		for _, e := range p.eps {
			if e.seen.Load() != back.UnixNano() {
				t.Errorf("%s %s seen %v", p.key, e.addr, time.Unix(0, e.seen.Load()))
			}
		}
	}
	if out := tb.prune(back.Add(10*time.Second), changes{}); len(out) != 0 {
		t.Errorf("pruned %v within the TTL after refreshAll", out)
	}
	if out := tb.prune(back.Add(11*time.Second), changes{}); len(out) != 1 || out[0].addr != "s:8080" {
		t.Errorf("pruned %v, want s:8080", out)
	}
	if out := tb.prune(back.Add(DefaultStaleThreshold+time.Second), changes{}); len(out) != 2 {
		t.Errorf("pruned %v, want the other two", out)
	}
}
