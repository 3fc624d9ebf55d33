package metrics

import (
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/skiff-proxy/skiff/healthcheck"
	"github.com/skiff-proxy/skiff/loadbalancer"
	"github.com/skiff-proxy/skiff/routing"
)

var (
	descEndpoints = prometheus.NewDesc("skiff_endpoints",
		"Endpoints of the live table's load-balanced routes by state: healthy, lame-duck, dead, or fading-in (healthy and still getting a reduced share on at least one route). Each endpoint counts once.",
		[]string{"state"}, nil)
	descInFlight = prometheus.NewDesc("skiff_endpoints_in_flight",
		"Requests sent to load-balanced endpoints and not yet answered.", nil, nil)
	descPassiveDropping = prometheus.NewDesc("skiff_endpoints_passive_dropping",
		"Endpoints the passive health check currently leaves out of some requests (drop probability above 0).", nil, nil)
	descPassiveDrops = prometheus.NewDesc("skiff_passive_health_drops_total",
		"Times the passive health check left an endpoint out of a request's choice (once per request and endpoint).", nil, nil)
	descStateChanges = prometheus.NewDesc("skiff_endpoint_state_changes_total",
		"Health state changes of endpoints (to or from healthy, lame duck, dead).", nil, nil)
	descProbes = prometheus.NewDesc("skiff_endpoint_probes_total",
		"Active health probes by result: healthy, lame-duck, dead, or inconclusive (the probe learnt nothing).",
		[]string{"result"}, nil)
)

// endpointCollector reads the endpoints of the live table and the
// registry's counters at scrape time.
type endpointCollector struct{ r *Registry }

func (c endpointCollector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{descEndpoints, descInFlight, descPassiveDropping, descPassiveDrops, descStateChanges, descProbes} {
		ch <- d
	}
}

func (c endpointCollector) Collect(ch chan<- prometheus.Metric) {
	src := c.r.sources()
	if src.tables != nil {
		c.collectTable(ch, src.tables)
	}
	if reg := src.endpoints; reg != nil {
		ch <- prometheus.MustNewConstMetric(descStateChanges, prometheus.CounterValue, float64(reg.Transitions()))
		ch <- prometheus.MustNewConstMetric(descPassiveDrops, prometheus.CounterValue, float64(reg.PassiveDrops()))
		p := reg.Probes()
		for _, v := range []struct {
			result string
			n      uint64
		}{{"healthy", p.Healthy}, {"lame-duck", p.LameDuck}, {"dead", p.Dead}, {"inconclusive", p.Inconclusive}} {
			ch <- prometheus.MustNewConstMetric(descProbes, prometheus.CounterValue, float64(v.n), v.result)
		}
	}
}

// endpointView is what one scrape learns of an endpoint.
type endpointView struct {
	state  healthcheck.State
	fading bool
}

func (c endpointCollector) collectTable(ch chan<- prometheus.Metric, tables TableSource) {
	t := tables.Acquire()
	defer t.Release()
	now := time.Now()
	seen := map[*healthcheck.Endpoint]*endpointView{}
	var inFlight int64
	dropping := 0
	loadbalancer.EachMember(t, func(rt *routing.Route, m *loadbalancer.Member) {
		e := m.Endpoint
		v := seen[e]
		if v == nil {
			s := e.State()
			if s == healthcheck.Dead && e.Usable(now) {
				s = e.State() // the dead mark expired
			}
			v = &endpointView{state: s}
			seen[e] = v
			inFlight += e.InFlight()
			if e.DropProbability() > 0 {
				dropping++
			}
		}
		if !v.fading {
			if b, ok := rt.Balancer.(*loadbalancer.Balancer); ok && b.FadeInShare(e, now) < 1 {
				v.fading = true
			}
		}
	})
	var healthy, lame, dead, fading int
	for _, v := range seen {
		switch {
		case v.state == healthcheck.Dead:
			dead++
		case v.state == healthcheck.LameDuck:
			lame++
		case v.fading:
			fading++
		default:
			healthy++
		}
	}
	for _, s := range []struct {
		state string
		n     int
	}{{"healthy", healthy}, {"lame-duck", lame}, {"dead", dead}, {"fading-in", fading}} {
		ch <- prometheus.MustNewConstMetric(descEndpoints, prometheus.GaugeValue, float64(s.n), s.state)
	}
	ch <- prometheus.MustNewConstMetric(descInFlight, prometheus.GaugeValue, float64(inFlight))
	ch <- prometheus.MustNewConstMetric(descPassiveDropping, prometheus.GaugeValue, float64(dropping))
}
