package nats

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"github.com/skiff-proxy/skiff/dataclients"
	"github.com/skiff-proxy/skiff/dataclients/nats/damping"
	"github.com/skiff-proxy/skiff/dataclients/nats/registration"
	"github.com/skiff-proxy/skiff/dataclients/nats/status"
	"github.com/skiff-proxy/skiff/dataclients/nats/transport"
	"github.com/skiff-proxy/skiff/eskip"
)

// Name is the client's name in logs, the invalid-route list and /routes.
const Name = "nats"

// Client is the NATS data client. New makes it; Run connects and feeds
// routing until its context ends. Its routes use a predicate and filters
// of package proxy/gorouter, which must be registered with routing for
// them to be valid.
type Client struct {
	opts  Options
	table *table
	damp  *damping.Damper[damperKey]

	conn atomic.Pointer[transport.Conn]

	// mu guards dirty and held; never held together with table.mu's
	// write lock.
	mu    sync.Mutex
	dirty changes
	// held keeps the last registration of each endpoint whose
	// registration the damper holds back, to apply it on release.
	held map[damperKey]*registration.Message
	// heldOff are the endpoints whose unregistration is held, with
	// whether they are TLS.
	heldOff map[damperKey]bool
	flush   chan struct{}

	stats     stats
	rejectLog rateLimitedLog
	optionLog rateLimitedLog // options ignored in accepted messages
	counters  *status.Counters
}

// damperKey is one endpoint of one pool: what flaps.
type damperKey struct{ key, addr string }

// New checks o and makes a client.
func New(o Options) (*Client, error) {
	o, err := o.withDefaults()
	if err != nil {
		return nil, err
	}
	retain := time.Duration(0)
	if o.EmptyPool503 {
		retain = o.EmptyPoolTimeout
	}
	c := &Client{opts: o, table: newTable(o.Algorithm, o.Transport.PruneThreshold, retain),
		dirty: changes{}, held: map[damperKey]*registration.Message{}, heldOff: map[damperKey]bool{}, flush: make(chan struct{}, 1)}
	if !o.NoDamping {
		d := o.Damping
		if d.Now == nil {
			d.Now = o.Now
		}
		c.damp = damping.New[damperKey](d)
	}
	c.table.indexKey = o.IndexKey
	c.counters = status.NewCounters()
	c.rejectLog = rateLimitedLog{log: o.Log, every: time.Second, now: o.Now, what: "messages rejected"}
	c.optionLog = rateLimitedLog{log: o.Log, every: time.Second, now: o.Now, what: "options ignored"}
	return c, nil
}

// Name implements dataclients.DataClient.
func (c *Client) Name() string { return Name }

// Connected reports whether the client is connected to NATS now.
func (c *Client) Connected() bool {
	conn := c.conn.Load()
	return conn != nil && conn.Connected()
}

// Run connects to NATS, sends the route set, and then every change, until
// ctx ends. A failed initial connect is an error (gorouter exits), unless
// the transport is configured to start without NATS.
func (c *Client) Run(ctx context.Context, out chan<- dataclients.Update) error {
	conn, err := transport.Dial(ctx, c.opts.Transport, c.handle)
	if err != nil {
		return err
	}
	c.conn.Store(conn)
	defer conn.Close()

	if d := c.opts.StartDelay; d > 0 {
		// The first route set waits for the registrars' answers to
		// router.start (spec §14.1); a server waiting for its first
		// load keeps the proxy closed meanwhile.
		t := time.NewTimer(d)
		select {
		case <-t.C:
		case <-ctx.Done():
			t.Stop()
			return nil
		}
	}
	c.mu.Lock()
	c.dirty = changes{} // all of it is in the full set
	c.mu.Unlock()
	select {
	case out <- dataclients.Update{Reset: true, Upserts: c.allRoutes()}:
	case <-ctx.Done():
		return nil
	}
	prune := time.NewTicker(c.opts.PruneInterval)
	defer prune.Stop()
	var dampTick <-chan time.Time
	if c.damp != nil {
		t := time.NewTicker(time.Second)
		defer t.Stop()
		dampTick = t.C
	}
	suspended := false
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-conn.Done():
			// Closed for good (not by us): gorouter exits.
			return fmt.Errorf("nats: connection closed: %w", errOr(conn.Err(), errors.New("closed")))
		case <-c.flush:
			if !c.send(ctx, out) {
				return nil
			}
		case <-prune.C:
			suspended = c.pruneTick(conn, suspended)
		case <-dampTick:
			c.releaseHeld()
		}
	}
}

func errOr(err, alt error) error {
	if err != nil {
		return err
	}
	return alt
}

// pruneTick prunes, unless NATS is unreachable and the routes are kept
// meanwhile (spec §6.4). It returns whether pruning is suspended.
func (c *Client) pruneTick(conn *transport.Conn, suspended bool) bool {
	now := c.opts.Now()
	if c.opts.KeepRoutesWhileDisconnected {
		if !conn.Connected() {
			if !suspended {
				c.opts.Log.Info("nats: prune-suspended: NATS is unreachable, keeping every route")
			}
			return true
		}
		if suspended {
			// Registrars re-send everything on the router.start of the
			// reconnect; give them a full TTL to do it.
			c.table.refreshAll(now)
			c.opts.Log.Info("nats: NATS is back, pruning resumes after a full TTL")
		}
	}
	ch := changes{}
	for _, p := range c.table.prune(now, ch) {
		c.stats.pruned.Add(1)
		c.opts.Log.Infof("nats: pruned-route %s %s isolation_segment=%q", p.key, p.addr, p.isolationSegment)
	}
	c.markDirty(ch)
	return false
}

// markDirty queues the pools of ch for the next update and wakes Run.
func (c *Client) markDirty(ch changes) {
	if len(ch) == 0 {
		return
	}
	c.mu.Lock()
	for k, id := range ch {
		c.dirty[k] = id
	}
	c.mu.Unlock()
	select {
	case c.flush <- struct{}{}:
	default:
	}
}

// send builds one update of the dirty pools and sends it. Registrations
// arriving meanwhile make the next one: under load, updates batch
// themselves.
func (c *Client) send(ctx context.Context, out chan<- dataclients.Update) bool {
	c.mu.Lock()
	dirty := c.dirty
	c.dirty = changes{}
	c.mu.Unlock()
	if len(dirty) == 0 {
		return true
	}
	var u dataclients.Update
	c.table.mu.RLock()
	for key, id := range dirty {
		if p := c.table.pools[key]; p != nil {
			u.Upserts = append(u.Upserts, poolRoute(p))
		} else {
			u.Deletes = append(u.Deletes, id)
		}
	}
	c.table.mu.RUnlock()
	select {
	case out <- u:
		return true
	case <-ctx.Done():
		return false
	}
}

// allRoutes is the full route set: the router's own routes and a route
// per pool.
func (c *Client) allRoutes() []*eskip.Route {
	rs := routerRoutes()
	c.table.mu.RLock()
	defer c.table.mu.RUnlock()
	for _, p := range c.table.pools {
		rs = append(rs, poolRoute(p))
	}
	return rs
}
