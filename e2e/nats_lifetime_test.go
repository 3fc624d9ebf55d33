package e2e

import (
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/sirupsen/logrus"

	"github.com/skiff-proxy/skiff/dataclients/nats"
	"github.com/skiff-proxy/skiff/dataclients/nats/registration"
	"github.com/skiff-proxy/skiff/eskip"
)

// Timers of the harness (startNATSRouter): the stale threshold, the prune
// interval and the register interval of the spec's test conventions.
const (
	natsThreshold = 4 * time.Second
	natsPrune     = time.Second
	natsInterval  = time.Second
	// natsSlack is what a window of the spec is widened by: the route
	// update travelling from the client through routing to the proxy,
	// and a loaded machine under -race.
	natsSlack = 500 * time.Millisecond
)

// refresher re-publishes one registration every register interval, as a
// route emitter does, until it is stopped.
type refresher struct {
	stopc chan struct{}
	done  chan struct{}
	once  sync.Once
}

// keepRegistered registers msg now and then every second until the
// refresher is stopped; the end of the test stops it.
func (r *natsRouter) keepRegistered(t *testing.T, msg any) *refresher {
	t.Helper()
	b, err := json.Marshal(msg)
	if err != nil {
		t.Fatal(err)
	}
	r.register(t, string(b))
	f := &refresher{stopc: make(chan struct{}), done: make(chan struct{})}
	go func() {
		defer close(f.done)
		tick := time.NewTicker(natsInterval)
		defer tick.Stop()
		for {
			select {
			case <-f.stopc:
				return
			case <-tick.C:
				// While NATS is down the library buffers the message;
				// an error (the buffer full) is a refresh lost, as
				// with a real emitter.
				_ = r.pub.Publish("router.register", b)
			}
		}
	}()
	t.Cleanup(f.stop)
	return f
}

// stop ends the refreshes and waits for the goroutine to end.
func (f *refresher) stop() {
	f.once.Do(func() { close(f.stopc) })
	<-f.done
}

// logRecorder keeps the lines of the NATS client's logger.
type logRecorder struct {
	mu    sync.Mutex
	lines []logLine
}

type logLine struct {
	at    time.Time
	level logrus.Level
	msg   string
}

func (l *logRecorder) Levels() []logrus.Level { return logrus.AllLevels }

func (l *logRecorder) Fire(e *logrus.Entry) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.lines = append(l.lines, logLine{e.Time, e.Level, e.Message})
	return nil
}

// matching returns the lines containing s.
func (l *logRecorder) matching(s string) []logLine {
	l.mu.Lock()
	defer l.mu.Unlock()
	var out []logLine
	for _, ln := range l.lines {
		if strings.Contains(ln.msg, s) {
			out = append(out, ln)
		}
	}
	return out
}

// recordLog makes the NATS client (and its transport) log into a
// recorder, from debug level up.
func recordLog(n *nats.Options) *logRecorder {
	rec := &logRecorder{}
	l := logrus.New()
	l.SetOutput(io.Discard)
	l.SetLevel(logrus.DebugLevel)
	l.AddHook(rec)
	n.Log = l
	return rec
}

// waitLog waits for a line containing s, and returns the first.
func waitLog(t *testing.T, rec *logRecorder, s string, within time.Duration) logLine {
	t.Helper()
	deadline := time.Now().Add(within)
	for {
		if ls := rec.matching(s); len(ls) > 0 {
			return ls[0]
		}
		if time.Now().After(deadline) {
			t.Fatalf("no log line %q within %v", s, within)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// probe is one request's outcome, for checks that run in goroutines or
// must not stop at the first failure.
type probe struct {
	at     time.Time
	status int
	rerr   string // X-Cf-Routererror
	err    error
}

func (p probe) String() string {
	if p.err != nil {
		return p.err.Error()
	}
	return fmt.Sprintf("%d %s", p.status, p.rerr)
}

// try sends GET path to the proxy with the given Host.
func (in *instance) try(host, path string) probe {
	req, err := http.NewRequest("GET", in.url+path, nil)
	if err != nil {
		return probe{at: time.Now(), err: err}
	}
	req.Host = host
	rsp, err := in.client.Do(req)
	at := time.Now()
	if err != nil {
		return probe{at: at, err: err}
	}
	io.Copy(io.Discard, rsp.Body)
	rsp.Body.Close()
	return probe{at: at, status: rsp.StatusCode, rerr: rsp.Header.Get("X-Cf-Routererror")}
}

// natsBackend is a backend and the registration of it for uris.
func natsBackend(t *testing.T, name string, uris ...string) (*backend, map[string]any) {
	t.Helper()
	be := newBackend(t, name, nil)
	host, port := hostPort(be.URL)
	return be, map[string]any{"host": host, "port": port, "uris": uris}
}

// Spec §18 case 21: an endpoint registered once serves until its TTL ran
// out, and is gone one prune interval later: never before 4 s, by
// 4 s + 1 s (+ slack).
func TestNATSExpiryWindow(t *testing.T) {
	t.Parallel()
	r := startNATSRouter(t, nil)
	_, msg := natsBackend(t, "b", "expiry.test")
	t0 := time.Now()
	r.register(t, msg)
	r.waitStatus(t, "expiry.test", "/", 200)
	gone, err := r.watchExpiry("expiry.test", t0, natsThreshold, natsThreshold+natsPrune+natsSlack)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("expired after %v", gone.at.Sub(t0))
}

// watchExpiry polls host until it stops answering 200: that must not
// happen before t0+notBefore, and must have happened by t0+by, and it must
// be the unknown-route answer. It returns the first request that was not
// answered 200.
func (in *instance) watchExpiry(host string, t0 time.Time, notBefore, by time.Duration) (probe, error) {
	for {
		p := in.try(host, "/")
		el := p.at.Sub(t0)
		if p.err != nil || p.status != 200 {
			if el < notBefore {
				return p, fmt.Errorf("%s at %v: %v, want 200 until %v", host, el, p, notBefore)
			}
			if p.status != 404 || p.rerr != "unknown_route" {
				return p, fmt.Errorf("%s at %v: %v, want 404 unknown_route", host, el, p)
			}
			return p, nil
		}
		if el > by {
			return p, fmt.Errorf("%s still 200 at %v, want gone by %v", host, el, by)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// keepAnswering polls host for d: every request must be answered 200.
func (in *instance) keepAnswering(t *testing.T, host string, d time.Duration) int {
	t.Helper()
	n := 0
	for end := time.Now().Add(d); time.Now().Before(end); n++ {
		if p := in.try(host, "/"); p.err != nil || p.status != 200 {
			t.Fatalf("%s: %v, want 200", host, p)
		}
		time.Sleep(50 * time.Millisecond)
	}
	return n
}

// poolEndpoints returns the LB endpoints of the pool route of key in the
// support listener's /routes, and whether there is such a route.
func (r *natsRouter) poolEndpoints(t *testing.T, key string) ([]string, bool) {
	t.Helper()
	rs, err := eskip.Parse(r.supportGet(t, "/routes"))
	if err != nil {
		t.Fatalf("parsing /routes: %v", err)
	}
	for _, rt := range rs {
		for _, f := range rt.Filters {
			if f.Name != nats.PoolFilterName || len(f.Args) != 1 || f.Args[0] != key {
				continue
			}
			var eps []string
			for _, e := range rt.LBEndpoints {
				eps = append(eps, e.Address)
			}
			return eps, true
		}
	}
	return nil, false
}

// statusEndpoint is an endpoint in gorouter's /routes.
type statusEndpoint struct {
	Address string `json:"address"`
	TLS     bool   `json:"tls"`
	TTL     int    `json:"ttl"`
}

// statusRoutes is gorouter's /routes of the status listener.
func (r *natsRouter) statusRoutes(t *testing.T) map[string][]statusEndpoint {
	t.Helper()
	rsp := r.statusGet(t, "/routes", true)
	var out map[string][]statusEndpoint
	if err := json.Unmarshal([]byte(rsp.body), &out); rsp.status != 200 || err != nil {
		t.Fatalf("/routes: %d %q: %v", rsp.status, rsp.body, err)
	}
	return out
}

// Spec §18 case 23: stale_threshold_in_seconds only shortens the TTL: 2 s
// makes the endpoint go by 2 s + one prune interval; 60 s, above the 4 s
// threshold, is the threshold; a negative one (§6.2, kept as it is) goes
// at the next prune tick.
func TestNATSPerEndpointTTL(t *testing.T) {
	t.Parallel()
	var rec *logRecorder
	r := startNATSRouter(t, func(n *nats.Options) { rec = recordLog(n) })
	_, short := natsBackend(t, "short", "ttl2.test")
	short["stale_threshold_in_seconds"] = 2
	_, long := natsBackend(t, "long", "ttl60.test")
	long["stale_threshold_in_seconds"] = 60
	_, negative := natsBackend(t, "negative", "ttlneg.test")
	negative["stale_threshold_in_seconds"] = -1
	t0 := time.Now()
	r.register(t, short)
	r.register(t, long)
	r.register(t, negative)
	r.waitStatus(t, "ttl2.test", "/", 200)
	r.waitStatus(t, "ttl60.test", "/", 200)
	table := r.statusRoutes(t)
	for key, want := range map[string]int{"ttl2.test": 2, "ttl60.test": 4} {
		if eps := table[key]; len(eps) != 1 || eps[0].TTL != want {
			t.Errorf("/routes %s: %+v, want one endpoint with ttl %d", key, eps, want)
		}
	}
	var wg sync.WaitGroup
	errs := make([]error, 3)
	wg.Go(func() {
		// Already stale: gone at the next prune tick.
		_, errs[2] = r.watchExpiry("ttlneg.test", t0, 0, natsPrune+natsSlack)
	})
	wg.Go(func() {
		_, errs[0] = r.watchExpiry("ttl2.test", t0, 2*time.Second, 2*time.Second+natsPrune+natsSlack)
	})
	wg.Go(func() {
		_, errs[1] = r.watchExpiry("ttl60.test", t0, natsThreshold, natsThreshold+natsPrune+natsSlack)
	})
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			t.Error(err)
		}
	}
	// It was in the table: pruned, not refused.
	if ls := rec.matching("nats: pruned-route ttlneg.test"); len(ls) != 1 || ls[0].at.Sub(t0) > natsPrune+natsSlack {
		t.Errorf("pruned-route lines for ttlneg.test: %+v, want one within a prune interval", ls)
	}
}

// Spec §18 cases 22 and 24, on one router to save a test slot (they use
// different route keys): an endpoint refreshed every second answers every
// request for 20 s (case 22 asks 15 s); a TLS endpoint registered once is
// never pruned by age, while a plain one registered with it goes. The TLS
// port is a plain backend's: only the table is looked at (both /routes),
// no request is sent to it.
func TestNATSRefreshAndTLSNeverAgesOut(t *testing.T) {
	t.Parallel()
	r := startNATSRouter(t, nil)
	refreshed, msg := natsBackend(t, "refreshed", "refresh.test")
	r.keepRegistered(t, msg)
	be, plain := natsBackend(t, "plain", "plain.tls.test")
	host, port := hostPort(be.URL)
	tlsMsg := map[string]any{"host": host, "tls_port": port, "server_cert_domain_san": "inst-tls",
		"uris": []string{"tls.test"}}
	want := fmt.Sprintf("https://%s:%d", host, port)
	t0 := time.Now()
	r.register(t, tlsMsg)
	r.register(t, plain)
	r.waitStatus(t, "plain.tls.test", "/", 200)
	r.waitStatus(t, "refresh.test", "/", 200)
	plainGone := false
	n := 0
	for i := 0; time.Since(t0) < 20*time.Second; i++ {
		n++
		if p := r.try("refresh.test", "/"); p.err != nil || p.status != 200 {
			t.Fatalf("at %v: refresh.test: %v, want 200", time.Since(t0), p)
		}
		time.Sleep(50 * time.Millisecond)
		if i%5 != 0 {
			continue
		}
		eps, ok := r.poolEndpoints(t, "tls.test")
		if !ok || len(eps) != 1 || eps[0] != want {
			t.Fatalf("at %v: pool tls.test: %v (present %v), want [%s]", time.Since(t0), eps, ok, want)
		}
		if eps := r.statusRoutes(t)["tls.test"]; len(eps) != 1 || !eps[0].TLS || eps[0].Address != want[len("https://"):] {
			t.Fatalf("at %v: status /routes tls.test: %+v", time.Since(t0), eps)
		}
		if _, ok := r.poolEndpoints(t, "plain.tls.test"); !ok {
			plainGone = true
		} else if time.Since(t0) > natsThreshold+natsPrune+natsSlack {
			t.Fatalf("plain endpoint registered with it still in /routes at %v", time.Since(t0))
		}
	}
	if !plainGone {
		t.Error("the plain endpoint never went")
	}
	if refreshed.hits.Load() < int64(n) {
		t.Errorf("refreshed backend saw %d requests, want at least %d", refreshed.hits.Load(), n)
	}
}

// Spec §18 case 25: with the default (routes not kept while NATS is
// down), a refreshed route goes within threshold + interval of NATS
// stopping, and is back within one refresh of NATS returning. A TLS
// endpoint stays (§6.4).
func TestNATSOutagePrunes(t *testing.T) {
	t.Parallel()
	var rec *logRecorder
	r := startNATSRouter(t, func(n *nats.Options) {
		n.KeepRoutesWhileDisconnected = false
		rec = recordLog(n)
	})
	be, msg := natsBackend(t, "b", "outage.test")
	r.keepRegistered(t, msg)
	// A TLS endpoint (only the table is looked at) stays through it.
	host, port := hostPort(be.URL)
	r.register(t, map[string]any{"host": host, "tls_port": port, "server_cert_domain_san": "inst-tls",
		"uris": []string{"tls.outage.test"}})
	r.waitStatus(t, "outage.test", "/", 200)
	waitFor(t, func() bool { _, ok := r.statusRoutes(t)["tls.outage.test"]; return ok })
	ts := time.Now()
	r.srv.Shutdown()
	// The last refresh was at most one interval before.
	gone, err := r.watchExpiry("outage.test", ts, natsThreshold-natsInterval, natsThreshold+natsPrune+natsSlack)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("gone %v after NATS stopped", gone.at.Sub(ts))
	if len(rec.matching("nats: pruned-route outage.test")) == 0 {
		t.Error(`no "pruned-route" log line`)
	}
	if eps := r.statusRoutes(t)["tls.outage.test"]; len(eps) != 1 || !eps[0].TLS {
		t.Errorf("TLS endpoint after the plain one went: %+v", eps)
	}
	r.srv.Restart(t)
	back := waitLog(t, rec, "nats: reconnected", 10*time.Second).at
	for {
		p := r.try("outage.test", "/")
		if p.err == nil && p.status == 200 {
			t.Logf("back %v after the reconnect", p.at.Sub(back))
			break
		}
		if el := p.at.Sub(back); el > natsInterval+natsSlack {
			t.Fatalf("%v after the reconnect: %v, want 200 within one refresh", el, p)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// Spec §18 case 26: with routes kept while NATS is down, a route whose
// refreshes stopped with NATS serves through a 15 s outage, and after the
// reconnect for a full TTL more (nothing refreshes it), then goes.
func TestNATSOutageKeepsRoutes(t *testing.T) {
	t.Parallel()
	var rec *logRecorder
	r := startNATSRouter(t, func(n *nats.Options) {
		n.KeepRoutesWhileDisconnected = true
		rec = recordLog(n)
	})
	_, msg := natsBackend(t, "b", "keep.test")
	f := r.keepRegistered(t, msg)
	r.waitStatus(t, "keep.test", "/", 200)
	f.stop()
	r.srv.Shutdown()
	r.keepAnswering(t, "keep.test", 15*time.Second)
	waitLog(t, rec, "nats: prune-suspended", 0)
	r.srv.Restart(t)
	back := waitLog(t, rec, "nats: reconnected", 10*time.Second).at
	// The first prune tick after the reconnect (within an interval) gives
	// every endpoint a full TTL.
	gone, err := r.watchExpiry("keep.test", back, natsThreshold-natsSlack, natsPrune+natsThreshold+natsPrune+natsSlack)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("gone %v after the reconnect", gone.at.Sub(back))
	if ls := rec.matching("nats: pruned-route keep.test"); len(ls) != 1 || ls[0].at.Before(back) {
		t.Errorf("pruned-route log lines %v, want one after the reconnect", ls)
	}
}

// Spec §18 case 27: routing_table_sharding_mode with isolation_segments
// [iso1] takes E0 (no segment), E1 (iso1) and E2 (iso2) in mode all, E0
// and E1 in shared-and-segments, only E1 in segments. The filter applies
// to unregistrations too: under segments, one for E2 is ignored without
// a log line, and one for E1's address that names iso2 leaves E1.
func TestNATSSharding(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		mode registration.ShardingMode
		want map[string]bool // by key: served
	}{
		{registration.ShardAll, map[string]bool{"e0.shard.test": true, "e1.shard.test": true, "e2.shard.test": true}},
		{registration.ShardSharedAndSegments, map[string]bool{"e0.shard.test": true, "e1.shard.test": true, "e2.shard.test": false}},
		{registration.ShardSegments, map[string]bool{"e0.shard.test": false, "e1.shard.test": true, "e2.shard.test": false}},
	} {
		t.Run(string(tc.mode), func(t *testing.T) {
			var rec *logRecorder
			r := startNATSRouter(t, func(n *nats.Options) {
				n.Sharding = tc.mode
				n.IsolationSegments = []string{"iso1"}
				rec = recordLog(n)
			})
			msgs := map[string]map[string]any{}
			refs := map[string]*refresher{}
			// E2 first: the messages are applied in order, so once E0
			// and E1 are served, E2's fate is decided.
			for _, e := range []struct{ key, segment string }{
				{"e2.shard.test", "iso2"}, {"e0.shard.test", ""}, {"e1.shard.test", "iso1"},
			} {
				_, msg := natsBackend(t, e.key, e.key)
				if e.segment != "" {
					msg["isolation_segment"] = e.segment
				}
				msgs[e.key] = msg
				refs[e.key] = r.keepRegistered(t, msg)
			}
			for key, served := range tc.want {
				if served {
					r.waitStatus(t, key, "/", 200)
				}
			}
			// One more round of refreshes for good measure.
			time.Sleep(natsInterval + natsSlack)
			table := r.statusRoutes(t)
			for key, served := range tc.want {
				p := r.try(key, "/")
				if served && p.status != 200 || !served && (p.status != 404 || p.rerr != "unknown_route") {
					t.Errorf("%s: %v, served %v", key, p, served)
				}
				if _, ok := table[key]; ok != served {
					t.Errorf("/routes has %s: %v, want %v", key, ok, served)
				}
			}
			if tc.mode != registration.ShardSegments {
				return
			}
			refs["e2.shard.test"].stop()
			refs["e1.shard.test"].stop()
			r.unregister(t, msgs["e2.shard.test"])
			e1 := maps.Clone(msgs["e1.shard.test"])
			e1["isolation_segment"] = "iso2"
			r.unregister(t, e1)
			// Well within E1's TTL from its last refresh.
			r.keepAnswering(t, "e1.shard.test", 1500*time.Millisecond)
			if ls := rec.matching("e2.shard.test"); len(ls) > 0 {
				t.Errorf("log lines about the ignored unregistration: %+v", ls)
			}
			if ls := rec.matching("e1.shard.test"); len(ls) > 0 {
				t.Errorf("log lines about the ignored unregistration: %+v", ls)
			}
		})
	}
}

// trafficLoop is clients sending GETs to one host in a loop until
// stopped; it counts the requests and keeps the failed ones.
type trafficLoop struct {
	stopc    chan struct{}
	wg       sync.WaitGroup
	mu       sync.Mutex
	total    int
	failures []probe
}

// startTraffic starts n clients looping GETs against host; the end of the
// test stops them.
func (in *instance) startTraffic(t *testing.T, host string, n int) *trafficLoop {
	l := &trafficLoop{stopc: make(chan struct{})}
	for range n {
		l.wg.Go(func() {
			for {
				select {
				case <-l.stopc:
					return
				default:
				}
				p := in.try(host, "/")
				l.mu.Lock()
				l.total++
				if p.err != nil || p.status != 200 {
					l.failures = append(l.failures, p)
				}
				l.mu.Unlock()
				time.Sleep(5 * time.Millisecond)
			}
		})
	}
	t.Cleanup(func() { l.stop() })
	return l
}

// stop stops the clients and returns the number of requests and the
// failed ones.
func (l *trafficLoop) stop() (int, []probe) {
	select {
	case <-l.stopc:
	default:
		close(l.stopc)
	}
	l.wg.Wait()
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.total, l.failures
}

// Issue: NATS stopped for longer than the stale threshold while clients
// keep sending requests, with routes kept while NATS is down: nothing is
// pruned and no request fails; after the restart the registrar's
// refreshes (buffered by its client, then sent every second) keep the
// route beyond the full TTL the reconnect gives it.
func TestNATSOutageUnderTraffic(t *testing.T) {
	t.Parallel()
	var rec *logRecorder
	r := startNATSRouter(t, func(n *nats.Options) {
		n.KeepRoutesWhileDisconnected = true
		rec = recordLog(n)
	})
	be, msg := natsBackend(t, "b", "traffic.test")
	r.keepRegistered(t, msg)
	r.waitStatus(t, "traffic.test", "/", 200)
	traffic := r.startTraffic(t, "traffic.test", 4)
	time.Sleep(natsInterval)
	r.srv.Shutdown()
	time.Sleep(natsThreshold + 2*natsPrune)
	waitLog(t, rec, "nats: prune-suspended", 0)
	r.srv.Restart(t)
	back := waitLog(t, rec, "nats: reconnected", 10*time.Second).at
	// Past the full TTL the reconnect gave, and a prune tick more.
	time.Sleep(time.Until(back.Add(natsPrune + natsThreshold + 2*natsPrune)))
	total, failures := traffic.stop()
	t.Logf("%d requests, %d failed; backend saw %d", total, len(failures), be.hits.Load())
	if len(failures) > 0 {
		t.Errorf("%d of %d requests failed, the first %v", len(failures), total, failures[0])
	}
	if total < 100 {
		t.Errorf("only %d requests", total)
	}
	if ls := rec.matching("nats: pruned-route"); len(ls) > 0 {
		t.Errorf("pruned: %+v", ls)
	}
	waitLog(t, rec, "nats: NATS is back", 0)
	r.waitStatus(t, "traffic.test", "/", 200)
}

// malformed are registrations that must be rejected, for P the port of a
// live endpoint of flood.test: broken JSON, type errors, an empty host,
// arrays, scalars, huge strings.
func malformed(host string, port int) []string {
	ok := fmt.Sprintf(`"host":%q,"port":%d,"uris":["flood.test"]`, host, port)
	huge := strings.Repeat("a", 100<<10)
	return []string{
		``,
		`not json`,
		`{"host":`,
		`{` + ok,
		`{` + ok + `}}`,
		fmt.Sprintf(`{"host":%q,"port":"%d","uris":["flood.test"]}`, host, port),
		fmt.Sprintf(`{"host":%q,"port":70000,"uris":["flood.test"]}`, host),
		fmt.Sprintf(`{"host":%q,"port":%d.0,"uris":["flood.test"]}`, host, port),
		fmt.Sprintf(`{"host":%q,"port":-%d,"uris":["flood.test"]}`, host, port),
		`{` + ok + `,"private_instance_index":0}`,
		`{` + ok + `,"tags":{"component":1}}`,
		fmt.Sprintf(`{"host":%q,"port":%d,"uris":"flood.test"}`, host, port),
		fmt.Sprintf(`{"host":%q,"port":%d,"uris":["flood.test",1]}`, host, port),
		`{` + ok + `,"stale_threshold_in_seconds":"5"}`,
		`{` + ok + `,"stale_threshold_in_seconds":1.5}`,
		`{` + ok + `,"route_service_url":"http://rs.test"}`,
		fmt.Sprintf(`{"port":%d,"uris":["flood.test"]}`, port),
		fmt.Sprintf(`{"host":"","port":%d,"uris":["flood.test"]}`, port),
		`[]`,
		`[{` + ok + `}]`,
		`42`,
		`"flood.test"`,
		`true`,
		`"` + huge + `"`,
		huge,
		fmt.Sprintf(`{"host":%q,"port":"x","uris":["flood.test"]}`, huge),
		`{` + ok + `,"app":"` + huge + `}`,
	}
}

// Issue: thousands of malformed messages, on both subjects, while
// clients keep using a valid route: every request succeeds, every
// message is rejected, the rejections are logged about once a second
// with summaries of the lines left out, and a valid registration sent
// after the flood is served.
func TestNATSMalformedFlood(t *testing.T) {
	t.Parallel()
	var rec *logRecorder
	r := startNATSRouter(t, func(n *nats.Options) { rec = recordLog(n) })
	be, msg := natsBackend(t, "b", "flood.test")
	r.keepRegistered(t, msg)
	r.waitStatus(t, "flood.test", "/", 200)
	traffic := r.startTraffic(t, "flood.test", 4)

	host, port := hostPort(be.URL)
	payloads := malformed(host, port)
	const n = 5000
	for i := range n {
		p := payloads[i%len(payloads)]
		if len(p) > 1<<10 && i%10 != 0 {
			// The huge ones are every tenth turn only: a few MB in all.
			p = payloads[1]
		}
		subject := "router.register"
		if i%2 == 1 {
			subject = "router.unregister"
		}
		if err := r.pub.Publish(subject, []byte(p)); err != nil {
			t.Fatal(err)
		}
		if i%1000 == 999 {
			// In batches over two seconds or so, for the rate limit
			// to show.
			if err := r.pub.Flush(); err != nil {
				t.Fatal(err)
			}
			time.Sleep(400 * time.Millisecond)
		}
	}
	if err := r.pub.Flush(); err != nil {
		t.Fatal(err)
	}
	// Messages are applied in order: once this one is served, the flood
	// has been handled.
	_, after := natsBackend(t, "after", "after.flood.test")
	r.keepRegistered(t, after)
	r.waitStatus(t, "after.flood.test", "/", 200)
	// One more, after the rate limit's period, brings the summary of
	// the lines left out.
	time.Sleep(time.Second + natsSlack)
	r.register(t, "not json: the last one")
	waitLog(t, rec, "the last one", 5*time.Second)

	total, failures := traffic.stop()
	t.Logf("%d requests, %d failed", total, len(failures))
	if len(failures) > 0 {
		t.Errorf("%d of %d requests failed, the first %v", len(failures), total, failures[0])
	}
	if total < 50 {
		t.Errorf("only %d requests", total)
	}
	if got := r.try("flood.test", "/"); got.status != 200 {
		t.Errorf("flood.test after the flood: %v", got)
	}

	logged := rec.matching("nats: validation-error")
	summaries := rec.matching("more messages rejected since the last logged one")
	rejected := len(logged)
	for _, s := range summaries {
		var k int
		if _, err := fmt.Sscanf(s.msg, "nats: %d more messages rejected", &k); err != nil {
			t.Errorf("summary %q: %v", s.msg, err)
		}
		rejected += k
	}
	t.Logf("%d validation-error lines, %d summaries, %d rejections counted", len(logged), len(summaries), rejected)
	if rejected != n+1 {
		t.Errorf("%d rejections counted through the log, want %d", rejected, n+1)
	}
	if len(summaries) == 0 {
		t.Error("no summary of the rejections left out")
	}
	for i := 1; i < len(logged); i++ {
		if d := logged[i].at.Sub(logged[i-1].at); d < 900*time.Millisecond {
			t.Errorf("validation-error lines %v apart, want one a second at most", d)
		}
	}
	for _, l := range logged {
		if l.level != logrus.ErrorLevel {
			t.Errorf("validation-error at level %v", l.level)
		}
	}
}
