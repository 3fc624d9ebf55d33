package admin

import (
	"io"
	"net/http"
	"net/http/pprof"
	"time"

	"github.com/skiff-proxy/skiff/eskip"
)

// InvalidRoute is a route the routing table rejected, with the reason. Its
// fields are routing.InvalidRoute's, in the same order, so that one
// converts to the other.
type InvalidRoute struct {
	Id     string
	Source string
	Pos    eskip.Position
	Reason string
	Err    error
	// Stale says that the table still serves the last valid version of
	// the route (it is in Snapshot.Valid) in place of this rejected one.
	Stale bool
}

// Snapshot is the view of one routing table generation that /routes shows.
type Snapshot struct {
	Created time.Time
	Valid   []*eskip.Route // sorted by id
	// Invalid lists the rejected routes; a Stale one also has its last
	// valid version in Valid.
	Invalid []InvalidRoute
	// Endpoints are the current endpoints of the load-balanced routes
	// by route id, with their state; the text form of /routes shows them
	// in a comment before each such route.
	Endpoints map[string][]EndpointView
}

// Printer renders routes; the eskip package provides the implementation,
// tests may substitute their own.
type Printer interface {
	// Text writes an eskip document, pretty with a two-space indent or one
	// route per line.
	Text(w io.Writer, pretty bool, routes []*eskip.Route) error
	// JSON marshals one route in the eskip JSON form.
	JSON(r *eskip.Route) ([]byte, error)
}

// Options configure the handler.
type Options struct {
	// Routes returns the current table's routes; nil disables /routes.
	Routes func() Snapshot
	// Printer renders /routes; required when Routes is set.
	Printer Printer
	// Draining reports whether the process is shutting down, which turns
	// /health to 503. nil means never.
	Draining func() bool
	// Starting reports whether the proxy does not serve yet (it waits for
	// the first routes), which also turns /health to 503, so that a load
	// balancer sends traffic only to an instance that has its routes.
	// nil means never.
	Starting func() bool
	// Warnings are lines /health adds after "OK" while the proxy serves:
	// a route source out of reach, for example. They do not change the
	// status, since the proxy goes on serving its last routes. nil means
	// none.
	Warnings func() []string
	// Endpoints lists the load-balanced endpoints for /endpoints; nil
	// disables it.
	Endpoints func() []EndpointView
	// Queues snapshots the load-shedding queues for /queues; nil
	// disables it.
	Queues func() QueueSnapshot
	// Metrics serves /metrics (metrics.Registry.Handler); nil disables it.
	Metrics http.Handler
	// Profile mounts /debug/pprof/.
	Profile bool
	// Dashboard serves /dashboard and everything under it (package
	// admin/dashboard); nil leaves it out.
	Dashboard http.Handler
}

// Handler returns the support listener's handler.
func Handler(o Options) http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("/health", func(w http.ResponseWriter, r *http.Request) { health(w, r, o) })
	if o.Routes != nil {
		rh := &routesHandler{routes: o.Routes, printer: o.Printer}
		mux.Handle("/routes", rh)
	}
	if o.Endpoints != nil {
		mux.Handle("/endpoints", endpointsHandler(o.Endpoints))
	}
	if o.Metrics != nil {
		mux.Handle("/metrics", MetricsHandler(o.Metrics))
	}
	if o.Queues != nil {
		mux.Handle("/queues", queuesHandler(o.Queues))
	}
	if o.Dashboard != nil {
		mux.Handle("/dashboard", o.Dashboard)
		mux.Handle("/dashboard/", o.Dashboard)
	}
	if o.Profile {
		mux.HandleFunc("/debug/pprof/", pprof.Index)
		mux.HandleFunc("/debug/pprof/cmdline", pprof.Cmdline)
		mux.HandleFunc("/debug/pprof/profile", pprof.Profile)
		mux.HandleFunc("/debug/pprof/symbol", pprof.Symbol)
		mux.HandleFunc("/debug/pprof/trace", pprof.Trace)
	}
	return mux
}

func health(w http.ResponseWriter, r *http.Request, o Options) {
	starting, draining := o.Starting, o.Draining
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		w.Header().Set("Allow", "GET, HEAD")
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
		return
	}
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	if draining != nil && draining() {
		w.WriteHeader(http.StatusServiceUnavailable)
		io.WriteString(w, "draining\n")
		return
	}
	if starting != nil && starting() {
		w.WriteHeader(http.StatusServiceUnavailable)
		io.WriteString(w, "starting\n")
		return
	}
	io.WriteString(w, "OK\n")
	if o.Warnings != nil {
		for _, line := range o.Warnings() {
			io.WriteString(w, line+"\n")
		}
	}
}
