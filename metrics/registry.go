package metrics

import (
	"net/http"
	"sync"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/skiff-proxy/skiff/dataclients"
	"github.com/skiff-proxy/skiff/healthcheck"
	"github.com/skiff-proxy/skiff/routing"
)

// DefaultMaxRoutes is the number of route ids with series of their own
// when Options.MaxRoutes is 0.
const DefaultMaxRoutes = 10000

// pruneEvery is the least time between two looks for route ids that left
// the routing table, whose series are then dropped.
const pruneEvery = 10 * time.Second

// Options configure a Registry.
type Options struct {
	// MaxRoutes bounds the route ids with series of their own
	// (-metrics-max-routes): the routes beyond it share the series
	// route="other". 0 means DefaultMaxRoutes; negative means none, every
	// route counts as "other".
	MaxRoutes int
	// NoRuntime leaves out the Go runtime and process collectors.
	NoRuntime bool
}

// TableSource hands out the current routing table; *routing.Routing is
// one. Every Acquire is paired with Table.Release.
type TableSource interface {
	Acquire() *routing.Table
}

// Registry holds skiff's metrics and serves them for Prometheus. The
// request path reaches it only through the handles bound to routes when
// they are built (PostProcessor) and NoRoute; everything else is read at
// scrape time from the state the parts of skiff keep anyway (routing
// table, endpoint registry, data clients, access log), so that nothing is
// pushed from hot code.
type Registry struct {
	prom      *prometheus.Registry
	maxRoutes int

	mu      sync.Mutex
	routes  map[string]*routeStats // by route id
	other   *routeStats
	none    *routeStats
	noRoute *binding // to none

	pruneMu   sync.Mutex
	lastPrune time.Time
	epoch     uint64

	src sources

	routing  routingMetrics
	breakers breakerMetrics
	custom   *customMetrics
}

// sources are what the scrape-time collectors read; each is nil until
// the part exists.
type sources struct {
	mu               sync.RWMutex
	tables           TableSource
	clients          []dataclients.DataClient
	endpoints        *healthcheck.Registry
	accessLogDropped func() uint64
	breakers         func() int
}

// New returns a Registry with every skiff metric registered.
func New(o Options) *Registry {
	r := &Registry{
		prom:   prometheus.NewRegistry(),
		routes: map[string]*routeStats{},
		other:  newRouteStats(OtherRoutes),
		none:   newRouteStats(NoRoute),
		custom: newCustomMetrics(MaxCustomKeys),
	}
	r.noRoute = &binding{id: NoRoute}
	r.noRoute.s.Store(r.none)
	switch {
	case o.MaxRoutes == 0:
		r.maxRoutes = DefaultMaxRoutes
	case o.MaxRoutes > 0:
		r.maxRoutes = o.MaxRoutes
	}
	r.routing.init()
	r.prom.MustRegister(routeCollector{r}, routingCollector{r}, endpointCollector{r}, &r.routing, breakerCollector{r})
	r.prom.MustRegister(r.custom.collectors()...)
	r.prom.MustRegister(prometheus.NewCounterFunc(prometheus.CounterOpts{
		Name: "skiff_accesslog_dropped_total",
		Help: "Access log entries dropped because the output did not keep up.",
	}, func() float64 {
		r.src.mu.RLock()
		f := r.src.accessLogDropped
		r.src.mu.RUnlock()
		if f == nil {
			return 0
		}
		return float64(f())
	}))
	if !o.NoRuntime {
		r.prom.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	}
	return r
}

// Prometheus is the underlying registry, for an embedding program's own
// collectors.
func (r *Registry) Prometheus() *prometheus.Registry { return r.prom }

// Handler serves the metrics in the Prometheus exposition formats.
func (r *Registry) Handler() http.Handler {
	return promhttp.HandlerFor(r.prom, promhttp.HandlerOpts{ErrorHandling: promhttp.ContinueOnError})
}

// PostProcessor binds every route to its metric handle (Route.Metrics)
// when it is built. It must run after the post-processors that may drop
// routes, so that dropped ones take no series.
func (r *Registry) PostProcessor() routing.PostProcessor { return postProcessor{r} }

// NoRoute is the handle of the requests no route matched
// (proxy.Options.Metrics).
func (r *Registry) NoRoute() routing.RouteMetrics { return r.noRoute }

// RoutingObserver is the routing.Observer that measures updates and
// table builds (routing.Options.Observer).
func (r *Registry) RoutingObserver() routing.Observer { return &r.routing }

// WatchRouting makes the scrape-time metrics read the routing tables of
// src (routes by data client, endpoints, and which route ids still
// exist) and the status of clients.
func (r *Registry) WatchRouting(src TableSource, clients []dataclients.DataClient) {
	r.src.mu.Lock()
	defer r.src.mu.Unlock()
	r.src.tables, r.src.clients = src, clients
}

// WatchEndpoints makes the endpoint metrics read reg's counters.
func (r *Registry) WatchEndpoints(reg *healthcheck.Registry) {
	r.src.mu.Lock()
	defer r.src.mu.Unlock()
	r.src.endpoints = reg
}

// WatchAccessLog makes skiff_accesslog_dropped_total read dropped
// (accesslog.Logger.Dropped).
func (r *Registry) WatchAccessLog(dropped func() uint64) {
	r.src.mu.Lock()
	defer r.src.mu.Unlock()
	r.src.accessLogDropped = dropped
}

func (r *Registry) sources() sources {
	r.src.mu.RLock()
	defer r.src.mu.RUnlock()
	return sources{tables: r.src.tables, clients: r.src.clients, endpoints: r.src.endpoints,
		accessLogDropped: r.src.accessLogDropped, breakers: r.src.breakers}
}

// RouteCounts returns every route id's requests and 5xx answers since its
// series began, OtherRoutes and NoRoute included. It reads atomic
// counters only, a few microseconds per thousand routes, and may be
// called every second. A route id that left the routing table is dropped
// at the next look, at most pruneEvery (10 s) apart; when it comes back
// its counts start from zero.
func (r *Registry) RouteCounts() map[string]RouteCount {
	r.prune()
	list := r.statsList()
	out := make(map[string]RouteCount, len(list))
	for _, s := range list {
		out[s.id] = s.count()
	}
	return out
}

// statsList returns every route's stats, OtherRoutes' and NoRoute's
// last.
func (r *Registry) statsList() []*routeStats {
	r.mu.Lock()
	defer r.mu.Unlock()
	list := make([]*routeStats, 0, len(r.routes)+2)
	for _, s := range r.routes {
		list = append(list, s)
	}
	return append(list, r.other, r.none)
}

// prune drops the stats of route ids that are not in the current table
// and were not bound since it was built, at most every pruneEvery, so
// that ids that come and go (NATS pools) do not fill the limit; the
// routes of the table counted as OtherRoutes then get the room.
func (r *Registry) prune() {
	src := r.sources().tables
	if src == nil {
		return
	}
	r.pruneMu.Lock()
	defer r.pruneMu.Unlock()
	if now := time.Now(); now.Sub(r.lastPrune) < pruneEvery {
		return
	} else {
		r.lastPrune = now
	}
	r.epoch++
	epoch := r.epoch
	t := src.Acquire()
	defer t.Release()
	var others []*binding
	for _, rt := range t.Routes() {
		if b, ok := rt.Metrics.(*binding); ok {
			s := b.s.Load()
			if s == nil {
				continue // no request yet: no stats
			}
			s.seen.Store(epoch)
			if s == r.other && b.id != OtherRoutes {
				others = append(others, b)
			}
		}
	}
	// A route bound after the table was created belongs to a table being
	// built: it stays.
	created := t.Created().UnixNano()
	r.mu.Lock()
	defer r.mu.Unlock()
	for id, s := range r.routes {
		if s.seen.Load() != epoch && s.bound.Load() < created {
			delete(r.routes, id)
		}
	}
	for _, b := range others {
		s := r.statsLocked(b.id)
		if s == r.other {
			break
		}
		s.seen.Store(epoch)
		b.s.Store(s)
	}
}

// Descriptions of the route metrics.
var (
	descRequests = prometheus.NewDesc("skiff_requests_total",
		"Requests served, by route id, method and status class.", []string{"route", "method", "status_class"}, nil)
	descDuration = prometheus.NewDesc("skiff_request_duration_seconds",
		"Time from a request's start to the end of its response, by route id.", []string{"route"}, nil)
	descBackend = prometheus.NewDesc("skiff_backend_duration_seconds",
		"Time of each backend attempt from sending the request to the response header or the failure, by route id.", []string{"route"}, nil)
	descBackendErrors = prometheus.NewDesc("skiff_backend_errors_total",
		"Backend attempts that failed without a response, by route id and kind (dial, timeout, reset, malformed, other).", []string{"route", "kind"}, nil)
	descRateLimited = prometheus.NewDesc("skiff_ratelimit_rejections_total",
		"Requests a rate limit filter answered instead of the backend, by route id.", []string{"route"}, nil)
	descTracked = prometheus.NewDesc("skiff_metrics_routes",
		"Route ids with series of their own; at the limit (-metrics-max-routes) further routes count as route=\"other\".", nil, nil)
	descTrackedLimit = prometheus.NewDesc("skiff_metrics_routes_limit",
		"The limit of route ids with series of their own (-metrics-max-routes).", nil, nil)
)

// routeCollector exports the route stats. Only series that counted
// something are written, so that a table of 100,000 routes of which a
// few get traffic costs a few series.
type routeCollector struct{ r *Registry }

func (c routeCollector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{descRequests, descDuration, descBackend, descBackendErrors, descRateLimited, descTracked, descTrackedLimit} {
		ch <- d
	}
}

func (c routeCollector) Collect(ch chan<- prometheus.Metric) {
	c.r.prune()
	list := c.r.statsList()
	for _, s := range list {
		for m := range s.requests {
			for st := range s.requests[m] {
				if n := s.requests[m][st].Load(); n > 0 {
					ch <- prometheus.MustNewConstMetric(descRequests, prometheus.CounterValue, float64(n), s.id, methodClasses[m], statusClasses[st])
				}
			}
		}
		if n, sum, b := s.duration.snapshot(); n > 0 {
			ch <- prometheus.MustNewConstHistogram(descDuration, n, sum, b, s.id)
		}
		if n, sum, b := s.backend.snapshot(); n > 0 {
			ch <- prometheus.MustNewConstHistogram(descBackend, n, sum, b, s.id)
		}
		for f := routing.BackendFailure(1); f < routing.NumBackendFailures; f++ {
			if n := s.failures[f].Load(); n > 0 {
				ch <- prometheus.MustNewConstMetric(descBackendErrors, prometheus.CounterValue, float64(n), s.id, f.String())
			}
		}
		if n := s.limited.Load(); n > 0 {
			ch <- prometheus.MustNewConstMetric(descRateLimited, prometheus.CounterValue, float64(n), s.id)
		}
	}
	ch <- prometheus.MustNewConstMetric(descTracked, prometheus.GaugeValue, float64(len(list)-2))
	ch <- prometheus.MustNewConstMetric(descTrackedLimit, prometheus.GaugeValue, float64(c.r.maxRoutes))
}

// unixSeconds is t as a Prometheus timestamp value, 0 for the zero time.
func unixSeconds(t time.Time) float64 {
	if t.IsZero() {
		return 0
	}
	return float64(t.UnixNano()) / 1e9
}

// atomicTime is a time kept as unix nanoseconds.
type atomicTime struct{ n atomic.Int64 }

func (a *atomicTime) store(t time.Time) { a.n.Store(t.UnixNano()) }
func (a *atomicTime) load() time.Time {
	if n := a.n.Load(); n != 0 {
		return time.Unix(0, n)
	}
	return time.Time{}
}
