package dashboard

import (
	"context"
	"embed"
	"encoding/json"
	"io/fs"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/skiff-proxy/skiff/admin"
)

// Defaults of Options.
const (
	DefaultInterval = 5 * time.Second
	DefaultWindow   = 10 * time.Minute
	DefaultPoll     = 2 * time.Second
	// DefaultPrefix is where the dashboard is mounted.
	DefaultPrefix = "/dashboard"
)

// RouteCount is one route's cumulative request count and how many of
// those requests were answered with a 5xx status.
type RouteCount struct {
	Requests, Errors5xx uint64
}

// RouteCounter reports the cumulative counts of every route by route id.
// The counts only grow; a count that drops is taken as a restart from 0.
type RouteCounter interface {
	RouteCounts() map[string]RouteCount
}

// CountsFunc adapts a function to RouteCounter.
type CountsFunc func() map[string]RouteCount

// RouteCounts calls f.
func (f CountsFunc) RouteCounts() map[string]RouteCount { return f() }

// Options configure a Dashboard.
type Options struct {
	// Tables hands out the current routing table; *routing.Routing is
	// one. Required.
	Tables admin.TableSource
	// Endpoints lists the load-balanced endpoints (admin.EndpointsOf);
	// nil shows none.
	Endpoints func() []admin.EndpointView
	// Counts are sampled every Interval for the request and error rates;
	// nil shows no rates.
	Counts RouteCounter
	// Interval is the time between two samples (DefaultInterval); Window
	// how far back the rates go (DefaultWindow).
	Interval time.Duration
	Window   time.Duration
	// Updates, the routing.Observer given to routing, lists the routing
	// updates. Without it the dashboard lists the new tables it sees.
	Updates *Updates
	// Poll is how often the open page refreshes itself (DefaultPoll).
	Poll time.Duration
	// Prefix is the path the handler is mounted at (DefaultPrefix); it
	// answers Prefix and everything under Prefix + "/".
	Prefix string
	// Now is the clock; nil is time.Now.
	Now func() time.Time
}

// Dashboard is the /dashboard handler and the sampler behind its rates.
// Run samples; ServeHTTP serves the page and its API.
type Dashboard struct {
	o       Options
	assets  http.Handler
	sampler *sampler
	updates *Updates
	watch   *tableWatch // nil with Options.Updates
	index   routeIndex

	epMu   sync.Mutex
	epAt   time.Time
	epList []admin.EndpointView
}

//go:embed assets
var assetFS embed.FS

// New returns a dashboard; its rates stay empty until Run samples.
func New(o Options) *Dashboard {
	if o.Interval <= 0 {
		o.Interval = DefaultInterval
	}
	if o.Window < o.Interval {
		o.Window = DefaultWindow
		if o.Window < o.Interval {
			o.Window = 60 * o.Interval
		}
	}
	if o.Poll <= 0 {
		o.Poll = DefaultPoll
	}
	if o.Prefix == "" {
		o.Prefix = DefaultPrefix
	}
	o.Prefix = strings.TrimSuffix(o.Prefix, "/")
	if o.Now == nil {
		o.Now = time.Now
	}
	sub, err := fs.Sub(assetFS, "assets")
	if err != nil {
		panic(err) // the embedded folder exists: a build error otherwise
	}
	d := &Dashboard{
		o:       o,
		assets:  http.FileServerFS(sub),
		sampler: newSampler(int(o.Window/o.Interval), o.Interval),
		updates: o.Updates,
	}
	if d.updates == nil {
		d.updates = NewUpdates(nil)
		d.watch = &tableWatch{log: d.updates}
	}
	return d
}

// Run samples the route counts every Interval, and looks at the routing
// table (the sizes of the tables updates made, or, without
// Options.Updates, the new tables), until ctx is done.
func (d *Dashboard) Run(ctx context.Context) {
	tick := time.NewTicker(d.o.Interval)
	defer tick.Stop()
	d.sample()
	for {
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
			d.sample()
		}
	}
}

// sample takes one sample of the counts and looks at the current table.
func (d *Dashboard) sample() {
	now := d.o.Now()
	if d.o.Counts != nil {
		d.sampler.add(now, d.o.Counts.RouteCounts())
	}
	t := d.o.Tables.Acquire()
	defer t.Release()
	if d.watch != nil {
		d.watch.observe(t)
	} else {
		d.updates.sized(t)
	}
}

// endpoints returns the endpoint list, computed at most once a second
// however many pages poll: with many routes it walks every pool.
func (d *Dashboard) endpoints() []admin.EndpointView {
	if d.o.Endpoints == nil {
		return nil
	}
	d.epMu.Lock()
	defer d.epMu.Unlock()
	now := d.o.Now()
	if d.epList == nil || now.Sub(d.epAt) >= time.Second || now.Before(d.epAt) {
		d.epList = d.o.Endpoints()
		if d.epList == nil {
			d.epList = []admin.EndpointView{}
		}
		d.epAt = now
	}
	return d.epList
}

// ServeHTTP serves the page at Prefix + "/", its assets beside it and the
// API under Prefix + "/api/".
func (d *Dashboard) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		w.Header().Set("Allow", "GET, HEAD")
		http.Error(w, "method not allowed: the dashboard is read-only", http.StatusMethodNotAllowed)
		return
	}
	rest, ok := strings.CutPrefix(r.URL.Path, d.o.Prefix)
	if !ok || (rest != "" && rest[0] != '/') {
		http.NotFound(w, r)
		return
	}
	h := w.Header()
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("X-Frame-Options", "DENY")
	h.Set("Referrer-Policy", "no-referrer")
	h.Set("Content-Security-Policy", "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; connect-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'")
	h.Set("Cache-Control", "no-cache")
	switch {
	case rest == "":
		target := d.o.Prefix + "/"
		if r.URL.RawQuery != "" {
			target += "?" + r.URL.RawQuery
		}
		http.Redirect(w, r, target, http.StatusFound)
	case strings.HasPrefix(rest, "/api/"):
		h.Set("Cache-Control", "no-store")
		d.serveAPI(w, r, strings.TrimPrefix(rest, "/api/"))
	default:
		r2 := r.Clone(r.Context())
		r2.URL.Path = rest
		r2.URL.RawPath = ""
		d.assets.ServeHTTP(w, r2)
	}
}

func (d *Dashboard) serveAPI(w http.ResponseWriter, r *http.Request, name string) {
	q := r.URL.Query()
	var v any
	var err error
	switch name {
	case "summary":
		v = d.summary()
	case "routes":
		v, err = d.routes(q)
	case "invalid":
		v, err = d.invalid(q)
	case "endpoints":
		v, err = d.endpointPage(q)
	case "updates":
		v = d.updatesView()
	case "explain":
		v, err = d.explain(q)
	default:
		writeJSON(w, r, http.StatusNotFound, apiError{"no such API: " + name})
		return
	}
	if err != nil {
		writeJSON(w, r, http.StatusBadRequest, apiError{err.Error()})
		return
	}
	writeJSON(w, r, http.StatusOK, v)
}

type apiError struct {
	Error string `json:"error"`
}

func writeJSON(w http.ResponseWriter, r *http.Request, status int, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		status = http.StatusInternalServerError
		b, _ = json.Marshal(apiError{"rendering: " + err.Error()})
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Content-Length", strconv.Itoa(len(b)))
	w.WriteHeader(status)
	if r.Method != http.MethodHead {
		w.Write(b)
	}
}
