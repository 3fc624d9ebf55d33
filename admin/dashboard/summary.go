package dashboard

import (
	"sort"
	"time"

	"github.com/skiff-proxy/skiff/admin"
)

// Sizes of the overview's lists.
const (
	topRoutes      = 10
	topUnhealthy   = 10
	summaryUpdates = 5
	summaryPoints  = 120
)

type summaryView struct {
	Now       time.Time `json:"now"`
	PollMs    int64     `json:"poll_ms"`
	IntervalS float64   `json:"interval_s"`
	WindowS   float64   `json:"window_s"`
	Table     struct {
		Created time.Time `json:"created"`
		Routes  int       `json:"routes"`
		Invalid int       `json:"invalid"`
		Stale   int       `json:"stale"`
	} `json:"table"`
	// Endpoints counts the load-balanced endpoints by state; "fading"
	// counts healthy ones still fading in, "total" all.
	Endpoints map[string]int `json:"endpoints"`
	// Rates is false when no counts are sampled (no RouteCounter) or no
	// sample was taken yet.
	Rates     bool          `json:"rates"`
	Total     rates         `json:"total"`
	Series    series        `json:"series"`
	Busiest   []routeRate   `json:"busiest"`
	Failing   []routeRate   `json:"failing"`
	Unhealthy []endpointRow `json:"unhealthy"`
	Updates   []updateView  `json:"updates"`
	Hooked    bool          `json:"updates_hooked"`
}

type routeRate struct {
	Id string `json:"id"`
	rates
}

// summary is the overview: counts, total rates over the window, the
// busiest and most failing routes of the last minute, the endpoints not
// healthy and the last updates.
func (d *Dashboard) summary() summaryView {
	s := summaryView{
		Now: d.o.Now().UTC(), PollMs: d.o.Poll.Milliseconds(),
		IntervalS: d.o.Interval.Seconds(), WindowS: d.o.Window.Seconds(),
	}
	t := d.o.Tables.Acquire()
	defer t.Release()
	s.Table.Created = t.Created().UTC()
	s.Table.Routes = len(t.Routes())
	for _, ir := range t.Invalid() {
		if ir.Stale {
			s.Table.Stale++
		} else {
			s.Table.Invalid++
		}
	}

	eps := d.endpoints()
	s.Endpoints = stateCounts(eps)
	s.Endpoints["total"] = len(eps)
	bad := make([]*admin.EndpointView, 0)
	for i := range eps {
		if eps[i].State != "healthy" {
			bad = append(bad, &eps[i])
		}
	}
	sort.SliceStable(bad, func(i, j int) bool { return stateRank(bad[i]) < stateRank(bad[j]) })
	s.Unhealthy = make([]endpointRow, 0, min(len(bad), topUnhealthy))
	for _, e := range bad[:min(len(bad), topUnhealthy)] {
		s.Unhealthy = append(s.Unhealthy, newEndpointRow(e))
	}

	rts, sampled := d.sampler.recentRates()
	s.Rates = d.o.Counts != nil && sampled
	s.Total = d.sampler.recentTotal()
	s.Series = d.sampler.totalSeries(summaryPoints)
	s.Busiest = top(rts, func(r rates) float64 { return r.Requests })
	s.Failing = top(rts, func(r rates) float64 { return r.Errors })

	ups := d.updateList(t)
	s.Updates = ups[:min(len(ups), summaryUpdates)]
	s.Hooked = d.watch == nil
	return s
}

// top returns the routes with the highest key above 0, at most topRoutes.
func top(rts map[string]rates, key func(rates) float64) []routeRate {
	out := make([]routeRate, 0, topRoutes)
	for id, r := range rts {
		if key(r) > 0 {
			out = append(out, routeRate{id, r})
		}
	}
	sort.Slice(out, func(i, j int) bool {
		ki, kj := key(out[i].rates), key(out[j].rates)
		if ki != kj {
			return ki > kj
		}
		return out[i].Id < out[j].Id
	})
	return out[:min(len(out), topRoutes)]
}
