package dashboard

import (
	"fmt"
	"net/url"
	"sort"
	"strings"
	"time"

	"github.com/skiff-proxy/skiff/admin"
)

// maxEndpointRoutes bounds the route ids listed per endpoint; an endpoint
// shared by many routes says how many in RouteCount.
const maxEndpointRoutes = 10

type endpointRow struct {
	Address    string    `json:"address"`
	State      string    `json:"state"`
	Since      time.Time `json:"since"`
	Reason     string    `json:"reason,omitempty"`
	InFlight   int64     `json:"in_flight"`
	Detected   time.Time `json:"detected"`
	FadeIn     float64   `json:"fade_in"`
	Drop       float64   `json:"drop_probability,omitempty"`
	Requests   uint64    `json:"requests"`
	Failures   uint64    `json:"failures"`
	Routes     []string  `json:"routes"`
	RouteCount int       `json:"route_count"`
	Damped     bool      `json:"damped,omitempty"`
}

func newEndpointRow(e *admin.EndpointView) endpointRow {
	r := endpointRow{
		Address: e.Address, State: e.State, Since: e.Since, Reason: e.Reason, InFlight: e.InFlight,
		Detected: e.Detected, FadeIn: round(e.FadeIn), Drop: round(e.DropProbability),
		Requests: e.Requests, Failures: e.Failures, RouteCount: len(e.Routes),
	}
	r.Routes = e.Routes[:min(len(e.Routes), maxEndpointRoutes)]
	if r.Routes == nil {
		r.Routes = []string{}
	}
	for _, dm := range e.Damping {
		if dm.Suppressed {
			r.Damped = true
		}
	}
	return r
}

// stateRank orders endpoints worst first: what an operator looks for.
func stateRank(e *admin.EndpointView) int {
	switch e.State {
	case "dead":
		return 0
	case "lame-duck":
		return 1
	case "healthy":
		if e.FadeIn < 1 {
			return 3
		}
		return 4
	}
	return 2 // unregistered, unknown
}

type endpointsPage struct {
	Total   int            `json:"total"`
	Matched int            `json:"matched"`
	Offset  int            `json:"offset"`
	Limit   int            `json:"limit"`
	States  map[string]int `json:"states"`
	Rows    []endpointRow  `json:"rows"`
}

// stateCounts counts endpoints by state; "fading" counts the healthy ones
// still fading in.
func stateCounts(eps []admin.EndpointView) map[string]int {
	m := map[string]int{"healthy": 0, "dead": 0, "lame-duck": 0, "fading": 0}
	for i := range eps {
		m[eps[i].State]++
		if eps[i].State == "healthy" && eps[i].FadeIn < 1 {
			m["fading"]++
		}
	}
	return m
}

// endpointPage answers a page of the endpoints matching q (address, route
// id, state or reason) and state, worst state first, then by address.
func (d *Dashboard) endpointPage(q url.Values) (any, error) {
	offset, limit, err := pageArgs(q)
	if err != nil {
		return nil, err
	}
	state := q.Get("state")
	switch state {
	case "", "healthy", "dead", "lame-duck", "fading", "unregistered":
	default:
		return nil, fmt.Errorf("state %q: want healthy, dead, lame-duck, fading or unregistered", state)
	}
	all := d.endpoints()
	ts := terms(q.Get("q"))
	sel := make([]*admin.EndpointView, 0, len(all))
	for i := range all {
		e := &all[i]
		switch {
		case state == "fading":
			if e.State != "healthy" || e.FadeIn >= 1 {
				continue
			}
		case state != "" && e.State != state:
			continue
		}
		if len(ts) > 0 && !matches(strings.ToLower(e.Address+"\x00"+e.State+"\x00"+e.Reason+"\x00"+strings.Join(e.Routes, "\x00")), ts) {
			continue
		}
		sel = append(sel, e)
	}
	sort.SliceStable(sel, func(i, j int) bool {
		ri, rj := stateRank(sel[i]), stateRank(sel[j])
		if ri != rj {
			return ri < rj
		}
		return sel[i].Address < sel[j].Address
	})
	start, end := window(len(sel), offset, limit)
	p := endpointsPage{Total: len(all), Matched: len(sel), Offset: offset, Limit: limit, States: stateCounts(all), Rows: make([]endpointRow, 0, end-start)}
	for _, e := range sel[start:end] {
		p.Rows = append(p.Rows, newEndpointRow(e))
	}
	return p, nil
}
