package dashboard

import (
	"fmt"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"
	"weak"

	"github.com/skiff-proxy/skiff/eskip"
	"github.com/skiff-proxy/skiff/routing"
)

// Paging bounds of the API.
const (
	defaultLimit = 50
	maxLimit     = 500
	// maxText bounds the route expression sent per row: a route with a
	// thousand endpoints would otherwise make a page of megabytes.
	maxText = 2000
	// seriesPoints is how many points a row's sparkline has at most.
	seriesPoints = 60
)

// routeIndex holds the search text of the routes of the last table that
// was searched: lower-cased id, data client, position and expression,
// one per route of Table.Routes. Printing 100,000 routes takes a while,
// so it is built once per table, on the first search, and dropped with
// the table.
type routeIndex struct {
	mu    sync.Mutex
	table weak.Pointer[routing.Table]
	text  []string
	// byDef keeps the text by definition: a table that changed a few
	// routes reuses the text of the others.
	byDef map[*eskip.Route]string
}

func (x *routeIndex) get(t *routing.Table) []string {
	x.mu.Lock()
	defer x.mu.Unlock()
	if x.table.Value() == t && x.text != nil {
		return x.text
	}
	routes := t.Routes()
	text := make([]string, len(routes))
	byDef := make(map[*eskip.Route]string, len(routes))
	var b strings.Builder
	for i, r := range routes {
		s, ok := x.byDef[r.Def]
		if !ok || !strings.HasPrefix(s, strings.ToLower(r.Id)+"\x00"+strings.ToLower(r.Source)+"\x00") {
			b.Reset()
			b.WriteString(r.Id)
			b.WriteByte(0)
			b.WriteString(r.Source)
			b.WriteByte(0)
			b.WriteString(position(r.Def.Pos, r.Source))
			b.WriteByte(0)
			b.WriteString(r.Def.String())
			s = strings.ToLower(b.String())
		}
		byDef[r.Def] = s
		text[i] = s
		if r.Balancer != nil {
			// The pool may have taken endpoint-only updates since the
			// route was built: its endpoints now are searched too.
			b.Reset()
			b.WriteString(s)
			for _, e := range r.Balancer.Endpoints() {
				b.WriteByte(0)
				b.WriteString(e.Scheme + "://" + e.Host)
			}
			text[i] = strings.ToLower(b.String())
		}
	}
	x.table, x.text, x.byDef = weak.Make(t), text, byDef
	return text
}

// terms splits a search into lower-cased words that must all occur.
func terms(q string) []string { return strings.Fields(strings.ToLower(q)) }

func matches(text string, ts []string) bool {
	for _, t := range ts {
		if !strings.Contains(text, t) {
			return false
		}
	}
	return true
}

func position(p eskip.Position, source string) string {
	if p.Line <= 0 {
		return ""
	}
	src := p.Source
	if src == "" {
		src = source
	}
	return src + ":" + strconv.Itoa(p.Line) + ":" + strconv.Itoa(p.Column)
}

// pageArgs reads offset and limit.
func pageArgs(q url.Values) (offset, limit int, err error) {
	offset, limit = 0, defaultLimit
	if v := q.Get("offset"); v != "" {
		if offset, err = strconv.Atoi(v); err != nil || offset < 0 {
			return 0, 0, fmt.Errorf("offset %q is not a non-negative integer", v)
		}
	}
	if v := q.Get("limit"); v != "" {
		if limit, err = strconv.Atoi(v); err != nil || limit < 1 {
			return 0, 0, fmt.Errorf("limit %q is not a positive integer", v)
		}
		limit = min(limit, maxLimit)
	}
	return offset, limit, nil
}

func window(n, offset, limit int) (int, int) {
	start := min(offset, n)
	return start, min(n, start+limit)
}

type routesPage struct {
	Created time.Time `json:"table_created"`
	Total   int       `json:"total"`
	Matched int       `json:"matched"`
	Offset  int       `json:"offset"`
	Limit   int       `json:"limit"`
	// Rates says whether request rates are sampled at all.
	Rates bool       `json:"rates"`
	Rows  []routeRow `json:"rows"`
}

type routeRow struct {
	Id       string `json:"id"`
	Source   string `json:"source"`
	Position string `json:"position,omitempty"`
	Text     string `json:"text"`
	Backend  string `json:"backend"`
	Weight   int    `json:"weight,omitempty"`
	// Stale is set when the table serves this last valid version because
	// the route's new version was rejected: why.
	Stale     string      `json:"stale,omitempty"`
	Endpoints *stateCount `json:"endpoints,omitempty"`
	Rate      rates       `json:"rate"`
	Series    *series     `json:"series,omitempty"`
}

// stateCount counts a route's endpoints by state.
type stateCount struct {
	Total   int `json:"total"`
	Healthy int `json:"healthy"`
	// Fading counts healthy endpoints still fading in.
	Fading int `json:"fading,omitempty"`
}

func backendKind(t eskip.BackendType) string {
	switch t {
	case eskip.NetworkBackend:
		return "network"
	case eskip.ShuntBackend:
		return "shunt"
	case eskip.LoopBackend:
		return "loopback"
	case eskip.DynamicBackend:
		return "dynamic"
	case eskip.LBBackend:
		return "load-balanced"
	case eskip.ForwardBackend:
		return "forward"
	}
	return "other"
}

// routes answers a page of the routes matching q, sorted by id (the
// table's order) or by the last minute's request or error rate.
func (d *Dashboard) routes(q url.Values) (any, error) {
	offset, limit, err := pageArgs(q)
	if err != nil {
		return nil, err
	}
	sortBy := q.Get("sort")
	switch sortBy {
	case "", "id", "rps", "eps":
	default:
		return nil, fmt.Errorf("sort %q: want id, rps or eps", sortBy)
	}
	t := d.o.Tables.Acquire()
	defer t.Release()
	all := t.Routes()
	sel := all
	if ts := terms(q.Get("q")); len(ts) > 0 {
		text := d.index.get(t)
		sel = nil
		for i, r := range all {
			if matches(text[i], ts) {
				sel = append(sel, r)
			}
		}
	}
	rts, sampled := d.sampler.recentRates()
	if sortBy == "rps" || sortBy == "eps" {
		sel = byRate(sel, rts, sortBy == "eps")
	}
	start, end := window(len(sel), offset, limit)
	page := routesPage{
		Created: t.Created().UTC(), Total: len(all), Matched: len(sel), Offset: offset, Limit: limit,
		Rates: d.o.Counts != nil && sampled, Rows: make([]routeRow, 0, end-start),
	}
	var stale map[string]string
	for _, ir := range t.Invalid() {
		if ir.Stale {
			if stale == nil {
				stale = map[string]string{}
			}
			stale[ir.Id] = ir.Where() + ir.Error()
		}
	}
	ids := make([]string, 0, end-start)
	lb := map[string]*stateCount{}
	for _, r := range sel[start:end] {
		row := routeRow{
			Id: r.Id, Source: r.Source, Position: position(r.Def.Pos, r.Source), Text: routeText(r),
			Backend: backendKind(r.BackendType), Weight: r.Weight, Stale: stale[r.Id], Rate: rts[r.Id],
		}
		if r.BackendType == eskip.LBBackend {
			row.Endpoints = &stateCount{}
			lb[r.Id] = row.Endpoints
		}
		page.Rows = append(page.Rows, row)
		ids = append(ids, r.Id)
	}
	if len(lb) > 0 {
		for _, e := range d.endpoints() {
			for _, id := range e.Routes {
				if c := lb[id]; c != nil {
					c.Total++
					if e.State == "healthy" {
						c.Healthy++
						if e.FadeIn < 1 {
							c.Fading++
						}
					}
				}
			}
		}
	}
	if page.Rates {
		ss := d.sampler.routeSeries(ids, seriesPoints)
		for i := range page.Rows {
			s := ss[page.Rows[i].Id]
			page.Rows[i].Series = &s
		}
	}
	return page, nil
}

// byRate orders routes by rate, highest first; those without requests in
// the last minute, usually most, follow in id order unsorted.
func byRate(sel []*routing.Route, rts map[string]rates, errors bool) []*routing.Route {
	key := func(r *routing.Route) float64 {
		if errors {
			return rts[r.Id].Errors
		}
		return rts[r.Id].Requests
	}
	out := make([]*routing.Route, 0, len(sel))
	for _, r := range sel {
		if key(r) > 0 {
			out = append(out, r)
		}
	}
	sort.SliceStable(out, func(i, j int) bool { return key(out[i]) > key(out[j]) })
	for _, r := range sel {
		if key(r) <= 0 {
			out = append(out, r)
		}
	}
	return out
}

// routeText is the route's expression, with the endpoints a load-balanced
// route's pool uses now (it may have taken endpoint-only updates since the
// route was built), cut at maxText.
func routeText(r *routing.Route) string {
	def := r.Def
	if r.Balancer != nil {
		eps := r.Balancer.Endpoints()
		cp := *def
		cp.LBEndpoints = make([]*eskip.LBEndpoint, len(eps))
		for i, e := range eps {
			cp.LBEndpoints[i] = &eskip.LBEndpoint{Address: e.Scheme + "://" + e.Host, Zone: e.Zone}
		}
		def = &cp
	}
	text := def.String()
	if len(text) > maxText {
		text = truncate(text, maxText)
	}
	return text
}

// truncate cuts s to at most n bytes at a rune boundary and marks the cut.
func truncate(s string, n int) string {
	for n > 0 && n < len(s) && s[n]&0xc0 == 0x80 {
		n--
	}
	return s[:n] + " …"
}

type invalidPage struct {
	Total   int          `json:"total"`
	Matched int          `json:"matched"`
	Offset  int          `json:"offset"`
	Limit   int          `json:"limit"`
	Rows    []invalidRow `json:"rows"`
}

type invalidRow struct {
	Id       string `json:"id"`
	Source   string `json:"source"`
	Position string `json:"position,omitempty"`
	Reason   string `json:"reason"`
	Error    string `json:"error"`
	Stale    bool   `json:"stale,omitempty"`
}

// invalid answers a page of the rejected routes matching q (in id,
// data client, position, reason or error).
func (d *Dashboard) invalid(q url.Values) (any, error) {
	offset, limit, err := pageArgs(q)
	if err != nil {
		return nil, err
	}
	t := d.o.Tables.Acquire()
	defer t.Release()
	all := t.Invalid()
	ts := terms(q.Get("q"))
	var rows []invalidRow
	matched := 0
	for _, ir := range all {
		row := invalidRow{Id: ir.Id, Source: ir.Source, Position: position(ir.Pos, ir.Source), Reason: ir.Reason, Stale: ir.Stale}
		row.Error = ir.Reason
		if ir.Err != nil {
			row.Error = ir.Err.Error()
		}
		if len(ts) > 0 && !matches(strings.ToLower(row.Id+"\x00"+row.Source+"\x00"+row.Position+"\x00"+row.Reason+"\x00"+row.Error), ts) {
			continue
		}
		if matched >= offset && len(rows) < limit {
			rows = append(rows, row)
		}
		matched++
	}
	if rows == nil {
		rows = []invalidRow{}
	}
	return invalidPage{Total: len(all), Matched: matched, Offset: offset, Limit: limit, Rows: rows}, nil
}
