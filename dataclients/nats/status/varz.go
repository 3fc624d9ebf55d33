package status

import (
	"crypto/rand"
	"encoding/json"
	"fmt"
	"net/http"
	"runtime"
	"time"
)

// Varz is the source of the router and table figures of /varz.
type Varz interface {
	Figures() VarzFigures
}

// VarzFigures are the router counters and routing-table figures of /varz.
type VarzFigures struct {
	Requests int64      // one per backend attempt
	Rate     [3]float64 // requests per second over 1, 5 and 15 minutes

	Responses2xx, Responses3xx, Responses4xx, Responses5xx int64
	ResponsesXXX                                           int64 // any other status

	Latency LatencyPercentiles

	BadRequests int64 // 400 and 404 from the lookup
	BadGateways int64 // backend failures answered with the default 502

	URLs               int       // routes (pools) in the table
	Droplets           int       // distinct endpoint addresses
	LastRegistryUpdate time.Time // zero: never updated
}

// LatencyPercentiles are response latencies in seconds.
type LatencyPercentiles struct {
	P50, P75, P90, P95, P99 float64
}

// TableFigures are the routing-table part of VarzFigures.
type TableFigures struct {
	URLs, Droplets int
	LastUpdate     time.Time // zero: never updated
}

// VarzSource joins the router's Counters and its table into one Varz.
// Either may be nil and then counts as zeros.
type VarzSource struct {
	Counters *Counters
	Table    func() TableFigures
}

// Figures implements Varz.
func (s VarzSource) Figures() VarzFigures {
	var f VarzFigures
	if s.Counters != nil {
		f = s.Counters.Figures()
	}
	if s.Table != nil {
		t := s.Table()
		f.URLs, f.Droplets, f.LastRegistryUpdate = t.URLs, t.Droplets, t.LastUpdate
	}
	return f
}

// RoutesTable is a VarzSource.Table that counts a Routes snapshot. That
// copies the table on each /varz read, which is fine for a deprecated
// endpoint that collectors poll every few seconds.
func RoutesTable(r Routes, lastUpdate func() time.Time) func() TableFigures {
	return func() TableFigures {
		var t TableFigures
		t.URLs, t.Droplets = CountRoutes(r.Snapshot())
		if lastUpdate != nil {
			t.LastUpdate = lastUpdate()
		}
		return t
	}
}

const varzTimeLayout = "2006-01-02 15:04:05 -0700"

// varzDocument is /varz. gorouter marshals a map, so the keys come out
// sorted; the fields are in that order to give the same bytes.
type varzDocument struct {
	BadGateways               int64       `json:"bad_gateways"`
	BadRequests               int64       `json:"bad_requests"`
	CPU                       float64     `json:"cpu"`
	Credentials               []string    `json:"credentials"`
	Droplets                  int         `json:"droplets"`
	Host                      string      `json:"host"`
	Index                     int         `json:"index"`
	Latency                   varzLatency `json:"latency"`
	LogCounts                 struct{}    `json:"log_counts"`
	Mem                       int64       `json:"mem"`
	MsSinceLastRegistryUpdate int64       `json:"ms_since_last_registry_update"`
	NumCores                  int         `json:"num_cores"`
	Rate                      [3]float64  `json:"rate"`
	Requests                  int64       `json:"requests"`
	RequestsPerSec            float64     `json:"requests_per_sec"`
	Responses2xx              int64       `json:"responses_2xx"`
	Responses3xx              int64       `json:"responses_3xx"`
	Responses4xx              int64       `json:"responses_4xx"`
	Responses5xx              int64       `json:"responses_5xx"`
	ResponsesXXX              int64       `json:"responses_xxx"`
	Start                     string      `json:"start"`
	Tags                      varzTags    `json:"tags"`
	Top10AppRequests          []struct{}  `json:"top10_app_requests"`
	Type                      string      `json:"type"`
	Uptime                    string      `json:"uptime"`
	URLs                      int         `json:"urls"`
	UUID                      string      `json:"uuid"`
}

// varzLatency carries gorouter's constant "samples" and "value", kept for
// old collectors that read them.
type varzLatency struct {
	P50     float64 `json:"50"`
	P75     float64 `json:"75"`
	P90     float64 `json:"90"`
	P95     float64 `json:"95"`
	P99     float64 `json:"99"`
	Samples int     `json:"samples"`
	Value   float64 `json:"value"`
}

// varzTags is gorouter's per-tag breakdown; skiff does not count per
// component, so the component block stays empty.
type varzTags struct {
	Component struct{} `json:"component"`
}

type varzHandler struct {
	source Varz
	index  int
	host   string
	uuid   string
	start  time.Time
}

func newVarzHandler(c Config) *varzHandler {
	v := &varzHandler{source: c.Varz, index: c.Index, host: c.Host, uuid: c.UUID, start: c.Start}
	if v.uuid == "" {
		v.uuid = fmt.Sprintf("%d-%s", c.Index, newUUID())
	}
	if v.start.IsZero() {
		v.start = time.Now()
	}
	return v
}

func (v *varzHandler) serve(w http.ResponseWriter) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(http.StatusOK)
	_ = json.NewEncoder(w).Encode(v.document(time.Now()))
}

func (v *varzHandler) document(now time.Time) *varzDocument {
	var f VarzFigures
	if v.source != nil {
		f = v.source.Figures()
	}
	up := now.Sub(v.start)
	cpuTime, maxRSS := rusage()
	d := &varzDocument{
		Type:        "Router",
		Index:       v.index,
		Host:        v.host,
		Credentials: []string{}, // DEVIATION: gorouter shows [user, password]
		UUID:        v.uuid,
		Start:       v.start.Format(varzTimeLayout),
		Uptime:      formatUptime(up),
		NumCores:    runtime.NumCPU(),
		Mem:         maxRSS,

		Requests:       f.Requests,
		Rate:           f.Rate,
		RequestsPerSec: f.Rate[0],
		Responses2xx:   f.Responses2xx,
		Responses3xx:   f.Responses3xx,
		Responses4xx:   f.Responses4xx,
		Responses5xx:   f.Responses5xx,
		ResponsesXXX:   f.ResponsesXXX,
		Latency: varzLatency{
			P50: f.Latency.P50, P75: f.Latency.P75, P90: f.Latency.P90, P95: f.Latency.P95, P99: f.Latency.P99,
			Samples: 1, Value: 5e-07,
		},
		BadRequests:               f.BadRequests,
		BadGateways:               f.BadGateways,
		URLs:                      f.URLs,
		Droplets:                  f.Droplets,
		Top10AppRequests:          []struct{}{},
		MsSinceLastRegistryUpdate: -1, // gorouter's value before the first update
	}
	// cpu is the process's average CPU use since start, in percent of one
	// core; gorouter samples it, but an average needs no background work.
	if up > 0 {
		d.CPU = 100 * cpuTime.Seconds() / up.Seconds()
	}
	if !f.LastRegistryUpdate.IsZero() {
		d.MsSinceLastRegistryUpdate = now.Sub(f.LastRegistryUpdate).Milliseconds()
	}
	return d
}

// formatUptime is gorouter's "<d>d:<h>h:<m>m:<s>s".
func formatUptime(d time.Duration) string {
	s := int64(d / time.Second)
	return fmt.Sprintf("%dd:%dh:%dm:%ds", s/86400, s/3600%24, s/60%60, s%60)
}

// newUUID returns a random (version 4) UUID.
func newUUID() string {
	var b [16]byte
	_, _ = rand.Read(b[:]) // never fails (crypto/rand.Read documentation)
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:16])
}
