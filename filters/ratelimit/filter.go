package ratelimit

import (
	"math"
	"net"
	"net/http"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"github.com/skiff-proxy/skiff/filters"
	"github.com/skiff-proxy/skiff/filters/specargs"
)

// Filter names used in eskip.
const (
	ClientRatelimitName = "clientRatelimit"
	RatelimitName       = "ratelimit"
)

// Response headers of a rejected request.
const (
	HeaderRateLimit  = "X-Rate-Limit"
	HeaderRetryAfter = "Retry-After"
)

// Specs returns clientRatelimit and ratelimit backed by reg. Rate limits are
// only available when enabled: with a nil reg Specs returns nothing, so
// routes using the filters are invalid.
func Specs(reg *Registry) []filters.Spec {
	if reg == nil {
		return nil
	}
	return []filters.Spec{&spec{name: ClientRatelimitName, kind: kindClient, reg: reg}, &spec{name: RatelimitName, kind: kindService, reg: reg}}
}

type spec struct {
	name string
	kind kind
	reg  *Registry
}

func (s *spec) Name() string { return s.name }

func (s *spec) CreateFilter(args []any) (filters.Filter, error) {
	a := specargs.Filter(s.name, args)
	if len(args) < 2 || len(args) > 3 {
		return nil, a.Errorf("want 2 or 3 arguments, got %d", len(args))
	}
	max, err := a.PositiveInt(0)
	if err != nil {
		return nil, err
	}
	window, err := a.PositiveDuration(1, time.Second)
	if err != nil {
		return nil, err
	}
	f := &filter{reg: s.reg, key: limiterKey{kind: s.kind, max: max, window: window}, status: http.StatusTooManyRequests}
	if len(args) == 3 {
		switch s.kind {
		case kindClient:
			hs, ok := args[2].(string)
			if !ok || strings.TrimSpace(hs) == "" {
				return nil, a.Errorf("argument 3 must be a comma-separated list of header names, got %v", args[2])
			}
			for _, h := range strings.Split(hs, ",") {
				h = strings.TrimSpace(h)
				if h == "" {
					return nil, a.Errorf("argument 3 %q has an empty header name", hs)
				}
				f.headers = append(f.headers, http.CanonicalHeaderKey(h))
			}
			f.key.lookup = strings.Join(f.headers, ",")
		case kindService:
			st, err := a.PositiveInt(2)
			if err != nil {
				return nil, err
			}
			if st < 100 || st > 599 {
				return nil, a.Errorf("argument 3 must be an HTTP status code, got %v", args[2])
			}
			f.status = st
		}
	}
	perHour := float64(max) * float64(time.Hour) / float64(window)
	f.rateHeader = strconv.FormatInt(int64(math.Round(perHour)), 10)
	f.body = http.StatusText(f.status) + "\n"
	f.statusLine = strconv.Itoa(f.status) + " " + http.StatusText(f.status)
	return f, nil
}

type filter struct {
	reg        *Registry
	key        limiterKey // route filled in on first use
	headers    []string
	status     int
	rateHeader string
	body       string
	statusLine string
	lim        atomic.Pointer[limiter]
}

func (f *filter) limiter(route string) *limiter {
	if l := f.lim.Load(); l != nil && !l.dead.Load() {
		return l
	}
	k := f.key
	k.route = route
	l := f.reg.get(k)
	f.lim.Store(l)
	return l
}

func (f *filter) Request(ctx filters.FilterContext) {
	client := ""
	if f.key.kind == kindClient {
		if client = f.clientKey(ctx.Request()); client == "" {
			return
		}
	}
	ok, wait := f.limiter(ctx.RouteId()).allow(client, f.reg.now().UnixNano())
	if ok {
		return
	}
	ctx.Serve(f.rejection(wait))
}

func (*filter) Response(filters.FilterContext) {}

// clientKey is the client IP (first X-Forwarded-For entry, else the remote
// address) or, with header names configured, their values joined by commas.
// An empty key means the client cannot be identified and is not limited.
func (f *filter) clientKey(r *http.Request) string {
	if len(f.headers) == 1 {
		return r.Header.Get(f.headers[0])
	}
	if len(f.headers) > 1 {
		var b strings.Builder
		empty := true
		for i, h := range f.headers {
			if i > 0 {
				b.WriteByte(',')
			}
			v := r.Header.Get(h)
			empty = empty && v == ""
			b.WriteString(v)
		}
		if empty {
			return ""
		}
		return b.String()
	}
	return ClientIP(r)
}

// ClientIP returns the first X-Forwarded-For entry or the remote IP.
func ClientIP(r *http.Request) string {
	if xff := r.Header.Get("X-Forwarded-For"); xff != "" {
		first, _, _ := strings.Cut(xff, ",")
		if first = strings.TrimSpace(first); first != "" {
			return first
		}
	}
	if host, _, err := net.SplitHostPort(r.RemoteAddr); err == nil {
		return host
	}
	return r.RemoteAddr
}

func (f *filter) rejection(wait time.Duration) *http.Response {
	secs := int64((wait + time.Second - 1) / time.Second)
	if secs < 1 {
		secs = 1
	}
	h := make(http.Header, 5)
	h["Content-Type"] = []string{"text/plain; charset=utf-8"}
	h["X-Content-Type-Options"] = []string{"nosniff"}
	h["Content-Length"] = []string{strconv.Itoa(len(f.body))}
	h[HeaderRateLimit] = []string{f.rateHeader}
	h[HeaderRetryAfter] = []string{strconv.FormatInt(secs, 10)}
	return &http.Response{
		StatusCode:    f.status,
		Status:        f.statusLine,
		Proto:         "HTTP/1.1",
		ProtoMajor:    1,
		ProtoMinor:    1,
		Header:        h,
		ContentLength: int64(len(f.body)),
		Body:          bodyReader(f.body),
	}
}
