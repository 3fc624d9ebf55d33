package routing

import (
	"context"
	"iter"
	"reflect"
	"sort"
	"sync"
	"sync/atomic"
	"time"

	"github.com/sirupsen/logrus"

	"github.com/skiff-proxy/skiff/dataclients"
	"github.com/skiff-proxy/skiff/eskip"
)

// DefaultCoalesce is the least time between two table builds when
// Options.Coalesce is 0.
const DefaultCoalesce = 5 * time.Millisecond

// Options configure a Routing.
type Options struct {
	BuildOptions
	// DataClients are merged by route id in this order: for an id defined
	// by several clients, the later client wins.
	DataClients []dataclients.DataClient
	Log         logrus.FieldLogger
	// Coalesce is the least time between two table builds: a change after
	// a quiet period is applied at once, and a burst of changes costs one
	// build per Coalesce. Negative means no limit.
	Coalesce time.Duration
	// Observer, when set, is told of the updates and table builds (for
	// metrics).
	Observer Observer
}

// Routing owns the current Table: it runs the data clients, merges their
// routes, rebuilds the table on every change and swaps it in atomically.
type Routing struct {
	o   Options
	log logrus.FieldLogger

	current atomic.Pointer[Table]

	mu      sync.Mutex
	clients []*clientState
	changed chan struct{} // capacity 1: a rebuild is due

	firstLoad     chan struct{}
	firstLoadOnce sync.Once

	lastInvalid map[string]string  // id -> logged error, to log each once
	cache       map[string]*cached // instantiated routes by id, for reuse
	// dirty holds the ids changed since the last build; dirtyAll says a
	// full set arrived, so any id may have changed.
	dirty     map[string]bool
	dirtyAll  bool
	warnedIDs map[string]bool // odd ids already warned about
	gen       uint64
	// building are the updates the running build takes in, for
	// Observer.UpdateServed; only the goroutine of Run touches it.
	building  []pendingUpdate
	afterSwap func(*Table) // test hook
	rebuilt   func()       // test hook: a rebuild is done, swapped or not
}

type clientState struct {
	name   string
	routes map[string]*eskip.Route
	// order is the client's last full set in the order it was sent, while
	// it is exactly the definitions in routes (no change since, distinct
	// ids); nil otherwise. A full build takes the definitions in this
	// order: in the order of a map they are read from all over the heap,
	// which made a build of 100,000 parsed routes twice as slow.
	order     []*eskip.Route
	delivered bool // the first full set arrived
	// broken are the ids whose definition did not parse; routes holds a
	// placeholder for each (brokenDef), so that merging by id and the
	// change tracking treat them as any other definition.
	broken map[string]dataclients.InvalidRoute
	// pending are the receipt times of the updates since the last build,
	// kept only with an Observer.
	pending []time.Time
}

// New returns a Routing serving an empty table until Run loads routes.
func New(o Options) *Routing {
	if o.Log == nil {
		l := logrus.New()
		o.Log = l
	}
	if o.Coalesce == 0 {
		o.Coalesce = DefaultCoalesce
	}
	r := &Routing{
		o:         o,
		log:       o.Log,
		changed:   make(chan struct{}, 1),
		cache:     map[string]*cached{},
		dirty:     map[string]bool{},
		dirtyAll:  true,
		warnedIDs: map[string]bool{},
		firstLoad: make(chan struct{}),
	}
	o.DataClients = uniqueClients(o.DataClients, o.Log)
	r.o = o
	for _, c := range o.DataClients {
		r.clients = append(r.clients, &clientState{name: c.Name(), routes: map[string]*eskip.Route{}})
	}
	empty := build(buildInput{managed: true}, o.BuildOptions)
	empty.refs.Store(1)
	r.current.Store(empty)
	if len(o.DataClients) == 0 {
		close(r.firstLoad)
	}
	return r
}

// FirstLoad is closed once a table with the first full route set of every
// data client is live.
func (r *Routing) FirstLoad() <-chan struct{} { return r.firstLoad }

// Acquire returns the current table with a reference held; the caller must
// Release it when the request is done. It never returns nil.
func (r *Routing) Acquire() *Table {
	for {
		t := r.current.Load()
		if t.tryAcquire() {
			if r.current.Load() == t {
				return t
			}
			t.Release()
			continue
		}
		if r.current.Load() == t {
			// Only after Run returned and the last table was released:
			// serve it unreferenced rather than spin.
			return t
		}
	}
}

// Run runs the data clients and keeps the table current until ctx is done.
// It returns after every goroutine it started has stopped; the last table
// stays current and is closed when the requests using it released it. Run
// is called once.
func (r *Routing) Run(ctx context.Context) error {
	var wg sync.WaitGroup
	for i, c := range r.o.DataClients {
		ch := make(chan dataclients.Update)
		wg.Add(2)
		go func() {
			defer wg.Done()
			if err := c.Run(ctx, ch); err != nil && ctx.Err() == nil {
				r.log.WithError(err).WithField("client", c.Name()).Error("data client stopped; its last routes stay in effect")
			}
		}()
		go func() {
			defer wg.Done()
			for {
				select {
				case <-ctx.Done():
					return
				case u := <-ch:
					r.apply(i, u)
				}
			}
		}()
	}

	defer func() {
		wg.Wait()
		// Shutting down: the last table is closed once the requests
		// still using it are done.
		r.current.Load().Release()
	}()
	var lastBuild time.Time
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-r.changed:
		}
		// A change after a quiet period is built at once; during a burst
		// builds are at least Coalesce apart, each taking every change
		// that arrived meanwhile.
		if wait := time.Until(lastBuild.Add(r.o.Coalesce)); wait > 0 {
			timer := time.NewTimer(wait)
			select {
			case <-ctx.Done():
				timer.Stop()
				return nil
			case <-timer.C:
			}
		}
		select {
		case <-r.changed: // changes during the wait are in this build
		default:
		}
		r.rebuild()
		lastBuild = time.Now()
	}
}

// apply records an update of client i and asks for a rebuild.
func (r *Routing) apply(i int, u dataclients.Update) {
	var received time.Time
	if r.o.Observer != nil {
		received = time.Now()
		r.o.Observer.UpdateReceived(r.clients[i].name, u.Reset, received)
	}
	r.mu.Lock()
	cs := r.clients[i]
	if r.o.Observer != nil && len(cs.pending) < maxPendingUpdates {
		cs.pending = append(cs.pending, received)
	}
	cs.order = nil
	if u.Reset {
		cs.routes = make(map[string]*eskip.Route, len(u.Upserts)+len(u.Invalid))
		cs.broken = nil
		cs.delivered = true
		r.dirtyAll = true
		if len(u.Invalid) == 0 && len(u.Deletes) == 0 {
			cs.order = make([]*eskip.Route, 0, len(u.Upserts))
			for _, rt := range u.Upserts {
				if rt != nil {
					cs.order = append(cs.order, rt)
				}
			}
		}
	}
	// After a full set every id is rebuilt: recording them one by one
	// would only grow the map.
	track := !r.dirtyAll
	for _, id := range u.Deletes {
		delete(cs.routes, id)
		delete(cs.broken, id)
		if track {
			r.dirty[id] = true
		}
	}
	for _, inv := range u.Invalid {
		if cs.broken == nil {
			cs.broken = map[string]dataclients.InvalidRoute{}
		}
		cs.broken[inv.Id] = inv
		cs.routes[inv.Id] = brokenDef(inv)
		if track {
			r.dirty[inv.Id] = true
		}
	}
	var odd []string
	for _, rt := range u.Upserts {
		if rt != nil {
			cs.routes[rt.Id] = rt
			delete(cs.broken, rt.Id)
			if track {
				r.dirty[rt.Id] = true
			}
			if !validID(rt.Id) && !r.warnedIDs[rt.Id] {
				r.warnedIDs[rt.Id] = true
				odd = append(odd, rt.Id)
			}
		}
	}
	if len(cs.order) != len(cs.routes) {
		cs.order = nil // an id repeated in the set: the map has the last
	}
	r.mu.Unlock()
	if len(odd) > 0 {
		if len(odd) > 10 {
			odd = odd[:10]
		}
		r.log.WithFields(logrus.Fields{"client": cs.name, "ids": odd}).Warn("route ids that cannot be written back as eskip (want [A-Za-z_][A-Za-z0-9_]*)")
	}
	select {
	case r.changed <- struct{}{}:
	default:
	}
}

// snapshot merges the clients' routes in client order; broken holds the
// ids whose winning definition did not parse.
func (r *Routing) snapshot() (defs []*eskip.Route, sources []string, broken map[string]dataclients.InvalidRoute, complete bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	defer func() { broken = r.brokenWinners(defs) }()
	r.clearDirty()
	r.dirtyAll = false
	n := 0
	complete = true
	for _, cs := range r.clients {
		n += len(cs.routes)
		complete = complete && cs.delivered
	}
	defs = make([]*eskip.Route, 0, n)
	sources = make([]string, 0, n)
	if len(r.clients) == 1 {
		cs := r.clients[0]
		for rt := range cs.defs() {
			defs = append(defs, rt)
			sources = append(sources, cs.name)
		}
		return defs, sources, nil, complete
	}
	at := make(map[string]int, n)
	var collisions []string
	for _, cs := range r.clients {
		for rt := range cs.defs() {
			id := rt.Id
			if i, ok := at[id]; ok {
				if sources[i] != cs.name {
					collisions = append(collisions, id)
				}
				defs[i], sources[i] = rt, cs.name
				continue
			}
			at[id] = len(defs)
			defs = append(defs, rt)
			sources = append(sources, cs.name)
		}
	}
	if len(collisions) > 0 {
		sort.Strings(collisions)
		if len(collisions) > 10 {
			collisions = collisions[:10]
		}
		r.log.WithField("ids", collisions).Warn("route ids defined by more than one data client; the later client in the configuration wins")
	}
	return defs, sources, nil, complete
}

// brokenWinners returns the parse errors of the ids whose winning
// definition among defs is a placeholder of an unparsable one. r.mu is
// held.
func (r *Routing) brokenWinners(defs []*eskip.Route) map[string]dataclients.InvalidRoute {
	var out map[string]dataclients.InvalidRoute
	var winner map[string]*eskip.Route
	for _, cs := range r.clients {
		for id, inv := range cs.broken {
			if winner == nil {
				winner = make(map[string]*eskip.Route, len(defs))
				for _, d := range defs {
					winner[d.Id] = d
				}
				out = map[string]dataclients.InvalidRoute{}
			}
			if winner[id] == cs.routes[id] {
				out[id] = inv
			}
		}
	}
	return out
}

// deltas returns the changes since the last build, or ok=false when a
// full snapshot is needed (a full set arrived, or a pre- or post-processor
// needs to see all routes).
func (r *Routing) deltas() (ds []delta, complete, ok bool) {
	if !preRouteLocal(r.o.PreProcessors) || !routeLocal(r.o.PostProcessors) {
		return nil, false, false
	}
	ds, complete, ok = r.dirtyDeltas()
	if !ok || len(r.o.PreProcessors) == 0 {
		return ds, complete, ok
	}
	var defs []*eskip.Route
	for _, d := range ds {
		if d.def != nil {
			defs = append(defs, d.def)
		}
	}
	for _, pp := range r.o.PreProcessors {
		defs = pp.Do(defs)
	}
	byID := make(map[string]*eskip.Route, len(defs))
	for _, d := range defs {
		if d != nil {
			byID[d.Id] = d
		}
	}
	for i := range ds {
		ds[i].def = byID[ds[i].id] // dropped by a pre-processor: deleted
	}
	return ds, complete, true
}

// dirtyDeltas resolves the ids changed since the last build to their
// current definitions.
func (r *Routing) dirtyDeltas() (ds []delta, complete, ok bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.dirtyAll {
		return nil, false, false
	}
	complete = true
	for _, cs := range r.clients {
		complete = complete && cs.delivered
	}
	ds = make([]delta, 0, len(r.dirty))
	for id := range r.dirty {
		d := delta{id: id}
		for i := len(r.clients) - 1; i >= 0; i-- {
			if def, ok := r.clients[i].routes[id]; ok {
				d.def, d.src = def, r.clients[i].name
				if inv, bad := r.clients[i].broken[id]; bad {
					d.broken = &inv
				}
				break
			}
		}
		ds = append(ds, d)
	}
	r.clearDirty()
	return ds, complete, true
}

// clearDirty empties the set of changed ids. A map keeps the buckets of
// its largest size, and ranging over it costs that much even when empty:
// after a burst, a fresh map keeps the next small change small.
func (r *Routing) clearDirty() {
	// The build that takes the changes in serves the updates that made
	// them.
	if r.o.Observer != nil {
		for _, cs := range r.clients {
			for _, at := range cs.pending {
				r.building = append(r.building, pendingUpdate{client: cs.name, at: at})
			}
			cs.pending = cs.pending[:0]
		}
	}
	if len(r.dirty) > 1024 {
		r.dirty = map[string]bool{}
		return
	}
	clear(r.dirty)
}

func (r *Routing) rebuild() {
	if r.rebuilt != nil {
		defer r.rebuilt()
	}
	var start time.Time
	if r.o.Observer != nil {
		start = time.Now()
		defer r.served()
	}
	r.gen++
	in := buildInput{unique: true, cache: r.cache, gen: r.gen, managed: true, prev: r.current.Load()}
	if ds, complete, ok := r.deltas(); ok {
		t, changed := applyDeltas(in, r.o.BuildOptions, ds)
		if t != nil {
			if changed {
				r.built(t, start)
				r.swap(t)
			}
			if complete {
				r.firstLoadOnce.Do(func() { close(r.firstLoad) })
			}
			return
		}
	}
	defs, sources, broken, complete := r.snapshot()
	in.defs, in.sources, in.broken = defs, sources, broken
	if len(r.cache) == 0 && len(defs) > 64 {
		// The first full set: a map made to size is not grown (and
		// rehashed) a dozen times on the way to 100,000 routes.
		r.cache = make(map[string]*cached, len(defs))
		in.cache = r.cache
	}
	// A full set equal to what is live gives the live table back (the
	// copy-on-write build finds nothing to change): swapping it for
	// itself would drop the owner's reference and close it while it
	// serves.
	if t := build(in, r.o.BuildOptions); t != in.prev {
		r.built(t, start)
		r.swap(t)
	}
	if complete {
		r.firstLoadOnce.Do(func() { close(r.firstLoad) })
	}
}

// built tells the Observer of a table about to go live.
func (r *Routing) built(t *Table, start time.Time) {
	if r.o.Observer != nil {
		r.o.Observer.TableBuilt(t.incremental, time.Since(start))
	}
}

// served tells the Observer that the updates the build took in are live.
func (r *Routing) served() {
	now := time.Now()
	for _, p := range r.building {
		r.o.Observer.UpdateServed(p.client, p.at, now)
	}
	clear(r.building)
	r.building = r.building[:0]
}

func (r *Routing) swap(t *Table) {
	r.logInvalid(t) // logged by the time the table is live
	t.refs.Store(1)
	old := r.current.Swap(t)
	old.Release()
	if r.afterSwap != nil {
		r.afterSwap(t)
	}
}

// logInvalid logs the invalid routes that are new since the last table:
// once per rejected version (an error or position of its own), not on
// every rebuild. A route served in its last valid version says so.
func (r *Routing) logInvalid(t *Table) {
	next := make(map[string]string, len(t.invalid))
	for _, inv := range t.invalid {
		key := inv.Where() + inv.Error()
		if inv.Stale {
			key = "stale " + key
		}
		next[inv.Id] = key
		if r.lastInvalid[inv.Id] == key {
			continue
		}
		l := r.log.WithFields(logrus.Fields{"route": inv.Id, "source": inv.Source, "reason": inv.Reason})
		if inv.Stale {
			msg := inv.Where() + inv.Reason
			if inv.Err != nil {
				msg += ": " + inv.Err.Error()
			}
			l.WithField("stale", true).Error("route " + inv.Id + ": new version invalid (" + msg + "), serving the last valid version")
			continue
		}
		l.Error("invalid route " + inv.Where() + inv.Error())
	}
	r.lastInvalid = next
}

// validID reports whether id can be printed as an eskip route id.
func validID(id string) bool {
	for i := 0; i < len(id); i++ {
		c := id[i]
		switch {
		case c == '_', 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z':
		case '0' <= c && c <= '9' && i > 0:
		default:
			return false
		}
	}
	return id != ""
}

// uniqueClients drops repeated instances of a data client, with an error.
func uniqueClients(cs []dataclients.DataClient, log logrus.FieldLogger) []dataclients.DataClient {
	out := make([]dataclients.DataClient, 0, len(cs))
	for _, c := range cs {
		dup := false
		for _, d := range out {
			if sameClient(c, d) {
				dup = true
				break
			}
		}
		if dup {
			log.WithField("client", c.Name()).Error("data client configured twice; ignoring the repetition")
			continue
		}
		out = append(out, c)
	}
	return out
}

func sameClient(a, b dataclients.DataClient) bool {
	ta, tb := reflect.TypeOf(a), reflect.TypeOf(b)
	return ta == tb && ta.Comparable() && any(a) == any(b)
}

// defs lists the client's definitions: in the order it sent them when
// that is known, else in the map's.
func (cs *clientState) defs() iter.Seq[*eskip.Route] {
	return func(yield func(*eskip.Route) bool) {
		if cs.order != nil {
			for _, rt := range cs.order {
				if !yield(rt) {
					return
				}
			}
			return
		}
		for _, rt := range cs.routes {
			if !yield(rt) {
				return
			}
		}
	}
}
