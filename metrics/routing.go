package metrics

import (
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/skiff-proxy/skiff/routing"
)

// buildBuckets are the upper bounds, in seconds, of the table build and
// update propagation histograms: from a small change (well under a
// millisecond) to a full build of a very large table.
var buildBuckets = []float64{.0001, .00025, .0005, .001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10, 30}

// routingMetrics measure what routing does: it is the routing.Observer
// and the collector of the metrics it keeps.
type routingMetrics struct {
	builds      *prometheus.HistogramVec // kind
	propagation *prometheus.HistogramVec // client
	updates     *prometheus.CounterVec   // client, kind
	lastUpdate  *prometheus.GaugeVec     // client

	mu       sync.Mutex
	received map[string]bool // clients that delivered anything
}

func (m *routingMetrics) init() {
	m.builds = prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Name:    "skiff_routing_table_build_seconds",
		Help:    "Time to build a routing table that replaced the live one, by kind: full, or incremental (a copy-on-write change of the live table). Its count is the number of builds.",
		Buckets: buildBuckets,
	}, []string{"kind"})
	m.propagation = prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Name:    "skiff_routing_update_propagation_seconds",
		Help:    "Time from routing receiving a data client's update to the table with the change serving, by data client.",
		Buckets: buildBuckets,
	}, []string{"client"})
	m.updates = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "skiff_dataclient_updates_total",
		Help: "Updates delivered by each data client, by kind: full (a whole route set) or change.",
	}, []string{"client", "kind"})
	m.lastUpdate = prometheus.NewGaugeVec(prometheus.GaugeOpts{
		Name: "skiff_dataclient_last_update_timestamp_seconds",
		Help: "When each data client last delivered an update (unix time).",
	}, []string{"client"})
	m.received = map[string]bool{}
}

var _ routing.Observer = (*routingMetrics)(nil)

func (m *routingMetrics) UpdateReceived(client string, full bool, at time.Time) {
	kind := "change"
	if full {
		kind = "full"
	}
	m.updates.WithLabelValues(client, kind).Inc()
	m.lastUpdate.WithLabelValues(client).Set(unixSeconds(at))
	m.mu.Lock()
	m.received[client] = true
	m.mu.Unlock()
}

func (m *routingMetrics) TableBuilt(incremental bool, took time.Duration) {
	kind := "full"
	if incremental {
		kind = "incremental"
	}
	m.builds.WithLabelValues(kind).Observe(took.Seconds())
}

func (m *routingMetrics) UpdateServed(client string, received, now time.Time) {
	m.propagation.WithLabelValues(client).Observe(now.Sub(received).Seconds())
}

func (m *routingMetrics) hasReceived(client string) bool {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.received[client]
}

func (m *routingMetrics) Describe(ch chan<- *prometheus.Desc) {
	m.builds.Describe(ch)
	m.propagation.Describe(ch)
	m.updates.Describe(ch)
	m.lastUpdate.Describe(ch)
}

func (m *routingMetrics) Collect(ch chan<- prometheus.Metric) {
	m.builds.Collect(ch)
	m.propagation.Collect(ch)
	m.updates.Collect(ch)
	m.lastUpdate.Collect(ch)
}

var (
	descRoutes = prometheus.NewDesc("skiff_routing_routes",
		"Routes of the live routing table by data client and state: valid (served) or invalid (rejected; a rejected new version of a route that still serves its last valid version counts in both).",
		[]string{"client", "state"}, nil)
	descTableCreated = prometheus.NewDesc("skiff_routing_table_created_timestamp_seconds",
		"When the live routing table was built (unix time).", nil, nil)
	descConnected = prometheus.NewDesc("skiff_dataclient_connected",
		"1 when the data client is connected to its source (etcd, NATS), or for other clients once they delivered their routes; else 0.",
		[]string{"client"}, nil)
)

// routingCollector reads the live table and the data clients at scrape
// time.
type routingCollector struct{ r *Registry }

func (c routingCollector) Describe(ch chan<- *prometheus.Desc) {
	ch <- descRoutes
	ch <- descTableCreated
	ch <- descConnected
}

func (c routingCollector) Collect(ch chan<- prometheus.Metric) {
	src := c.r.sources()
	if src.tables != nil {
		t := src.tables.Acquire()
		valid, invalid := map[string]int{}, map[string]int{}
		for _, rt := range t.Routes() {
			valid[rt.Source]++
		}
		for _, inv := range t.Invalid() {
			invalid[inv.Source]++
		}
		created := t.Created()
		t.Release()
		for _, dc := range src.clients {
			// Every client has both series, zeros included.
			name := dc.Name()
			if _, ok := valid[name]; !ok {
				valid[name] = 0
			}
			if _, ok := invalid[name]; !ok {
				invalid[name] = 0
			}
		}
		for client, n := range valid {
			ch <- prometheus.MustNewConstMetric(descRoutes, prometheus.GaugeValue, float64(n), client, "valid")
		}
		for client, n := range invalid {
			ch <- prometheus.MustNewConstMetric(descRoutes, prometheus.GaugeValue, float64(n), client, "invalid")
		}
		ch <- prometheus.MustNewConstMetric(descTableCreated, prometheus.GaugeValue, unixSeconds(created))
	}
	for _, dc := range src.clients {
		v := 0.0
		if c.connected(dc) {
			v = 1
		}
		ch <- prometheus.MustNewConstMetric(descConnected, prometheus.GaugeValue, v, dc.Name())
	}
}

// connected tells whether a data client is connected: the etcd and NATS
// clients say so themselves; any other client is once it delivered.
func (c routingCollector) connected(dc any) bool {
	switch x := dc.(type) {
	case interface{ Connected() bool }:
		return x.Connected()
	case interface {
		LastContact() (time.Time, bool)
	}:
		_, ok := x.LastContact()
		return ok
	case interface{ Name() string }:
		return c.r.routing.hasReceived(x.Name())
	}
	return false
}
