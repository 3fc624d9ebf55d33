package breaker

import (
	"net/http"
	"net/url"
	"strings"
	"sync/atomic"

	"github.com/sony/gobreaker"

	"github.com/skiff-proxy/skiff/filters"
	"github.com/skiff-proxy/skiff/filters/specargs"
)

// Filter names used in eskip.
const (
	ConsecutiveName = "consecutiveBreaker"
	RateName        = "rateBreaker"
	DisableName     = "disableBreaker"
	// HostName is a skiff-only filter applying just the registry's global
	// and host settings; see HostSpec.
	HostName = "hostBreaker"
)

// HeaderCircuitOpen marks responses served because a breaker was open.
const HeaderCircuitOpen = "X-Circuit-Open"

// Specs returns consecutiveBreaker, rateBreaker and disableBreaker using
// reg. With a nil reg (breakers not enabled) the filters validate their
// arguments but do nothing.
func Specs(reg *Registry) []filters.Spec {
	return []filters.Spec{
		&spec{name: ConsecutiveName, typ: Consecutive, reg: reg},
		&spec{name: RateName, typ: Rate, reg: reg},
		&spec{name: DisableName, typ: Disabled, reg: reg},
	}
}

// HostSpec returns the hostBreaker spec: a filter without arguments that
// applies the registry's host or global settings. Add it with
// -default-filters-append so that backends get breakers from -breaker
// settings on routes that have no breaker filter of their own; a route's
// breaker filter (or disableBreaker) running earlier takes precedence.
func HostSpec(reg *Registry) filters.Spec {
	return &spec{name: HostName, typ: None, reg: reg}
}

type spec struct {
	name string
	typ  Type
	reg  *Registry
}

func (s *spec) Name() string { return s.name }

func (s *spec) CreateFilter(args []any) (filters.Filter, error) {
	f := &filter{reg: s.reg}
	switch s.typ {
	case Disabled, None:
		if len(args) != 0 {
			return nil, specargs.Filter(s.name, args).Errorf("takes no arguments, got %d", len(args))
		}
		f.route = Settings{Type: s.typ}
	default:
		st, err := parseArgs(s.name, s.typ, args)
		if err != nil {
			return nil, err
		}
		f.route = st
	}
	return f, nil
}

// ticket is the state-bag record of a request admitted by a breaker.
type ticket struct {
	owner    *filter
	done     func(success bool)
	halfOpen bool
	win      *window
}

type filter struct {
	reg   *Registry
	route Settings
	cache atomic.Pointer[cached]
}

// cached remembers the breaker of the last backend seen, so the common case
// (a route with one network backend) does no parsing or map lookup.
type cached struct {
	raw   string
	kind  uint8
	entry *entry // nil when no breaker applies
}

const (
	kindBackend uint8 = iota
	kindDynamicURL
	kindDynamicHost
	kindRoute
)

// HandleErrorResponse makes the proxy call Response for its own error
// responses too, so dial failures and timeouts count as failures.
func (*filter) HandleErrorResponse() bool { return true }

func (f *filter) Request(ctx filters.FilterContext) {
	if f.reg == nil {
		return
	}
	bag := ctx.StateBag()
	if _, taken := bag[filters.CircuitBreakerKey]; taken {
		// An earlier breaker filter (or disableBreaker) of this request decides.
		return
	}
	if f.route.Type == Disabled {
		bag[filters.CircuitBreakerKey] = (*ticket)(nil)
		return
	}
	e := f.entryFor(ctx)
	if e == nil {
		return
	}
	halfOpen := e.cb.State() == gobreaker.StateHalfOpen
	done, err := e.cb.Allow()
	if err != nil {
		bag[filters.CircuitBreakerKey] = (*ticket)(nil)
		ctx.Serve(openResponse())
		return
	}
	bag[filters.CircuitBreakerKey] = &ticket{owner: f, done: done, halfOpen: halfOpen, win: e.win}
}

func (f *filter) Response(ctx filters.FilterContext) {
	t, _ := ctx.StateBag()[filters.CircuitBreakerKey].(*ticket)
	if t == nil || t.owner != f || t.done == nil {
		return
	}
	done := t.done
	t.done = nil
	rsp := ctx.Response()
	failed := rsp == nil || rsp.StatusCode >= 500
	if !failed && ctx.Served() && !t.halfOpen {
		// A later filter answered; the backend was not asked, so there is
		// nothing to learn. In half-open state the probe slot must be given
		// back, which only a report does, so it counts as a success there.
		return
	}
	if t.win != nil {
		t.win.record(!failed)
	}
	done(!failed)
}

func (f *filter) entryFor(ctx filters.FilterContext) *entry {
	raw, kind := backendOf(ctx)
	if c := f.cache.Load(); c != nil && c.raw == raw && c.kind == kind && (c.entry == nil || !c.entry.evicted.Load()) {
		if c.entry != nil {
			c.entry.lastUsed.Store(f.reg.now().UnixNano())
		}
		return c.entry
	}
	host := hostOf(raw, kind)
	s := f.reg.settingsFor(host, f.route)
	var e *entry
	if s.usable() {
		e = f.reg.get(host, s)
	}
	f.cache.Store(&cached{raw: raw, kind: kind, entry: e})
	return e
}

// backendOf names the backend the request goes to as far as the request
// phase knows it: the network backend, a dynamic target set by an earlier
// filter, or else the route itself (load-balanced routes choose their
// endpoint after the filters ran).
func backendOf(ctx filters.FilterContext) (string, uint8) {
	if u := ctx.BackendUrl(); u != "" {
		return u, kindBackend
	}
	bag := ctx.StateBag()
	if u, _ := bag[filters.DynamicBackendURL].(string); u != "" {
		return u, kindDynamicURL
	}
	if h, _ := bag[filters.DynamicBackendHost].(string); h != "" {
		return h, kindDynamicHost
	}
	return ctx.RouteId(), kindRoute
}

func hostOf(raw string, kind uint8) string {
	switch kind {
	case kindBackend, kindDynamicURL:
		if u, err := url.Parse(raw); err == nil && u.Host != "" {
			return strings.ToLower(u.Host)
		}
		return raw
	case kindDynamicHost:
		return strings.ToLower(raw)
	}
	return "route:" + raw
}

const openBody = "Service Unavailable\n"

// openResponse is the proxy's error response shape for 503 plus the
// X-Circuit-Open marker.
func openResponse() *http.Response {
	h := make(http.Header, 4)
	h["Content-Type"] = []string{"text/plain; charset=utf-8"}
	h["X-Content-Type-Options"] = []string{"nosniff"}
	h["Content-Length"] = []string{"20"}
	h[HeaderCircuitOpen] = []string{"true"}
	return &http.Response{
		StatusCode:    http.StatusServiceUnavailable,
		Status:        "503 Service Unavailable",
		Proto:         "HTTP/1.1",
		ProtoMajor:    1,
		ProtoMinor:    1,
		Header:        h,
		ContentLength: int64(len(openBody)),
		Body:          bodyReader(openBody),
	}
}
