package scheduler

import (
	"math"
	"net/http"
	"sync"
	"sync/atomic"
	"time"

	"github.com/skiff-proxy/skiff/filters"
	"github.com/skiff-proxy/skiff/filters/specargs"
)

// AdmissionControlName is the filter's name in eskip.
const AdmissionControlName = "admissionControl"

// The header of a request admissionControl turned away: other shedders
// on the way (skiff or skipper instances) do not count such an answer as
// a failure of the backend.
const (
	AdmissionSignalHeader = "Admission-Control"
	admissionSignalValue  = "true"
)

// admissionKey marks, in the state bag, a request the filter decided to
// reject (in the inactive modes: would have rejected); its response is not
// counted.
const admissionKey = "shedder:admission_control"

// skipper's metric names, before the metric suffix.
const (
	admissionTotalMetric  = "shedder.admission_control.total."
	admissionRejectMetric = "shedder.admission_control.reject."
)

type admissionMode uint8

const (
	modeInactive admissionMode = iota
	modeLogInactive
	modeActive
)

func (m admissionMode) String() string {
	switch m {
	case modeActive:
		return "active"
	case modeLogInactive:
		return "logInactive"
	}
	return "inactive"
}

type admissionSpec struct{ reg *Registry }

func (*admissionSpec) Name() string { return AdmissionControlName }

// CreateFilter: (metricSuffix, mode, d, windowSize, minRps,
// successThreshold, maxRejectProbability, exponent).
func (s *admissionSpec) CreateFilter(args []any) (filters.Filter, error) {
	a := specargs.Filter(AdmissionControlName, args)
	if err := a.Count(8, 8); err != nil {
		return nil, err
	}
	suffix, err := a.String(0, "metric suffix")
	if err != nil {
		return nil, err
	}
	ms, err := a.String(1, "mode")
	if err != nil {
		return nil, err
	}
	f := &admissionFilter{reg: s.reg, suffix: suffix}
	switch ms {
	case "active":
		f.mode = modeActive
	case "inactive":
		f.mode = modeInactive
	case "logInactive":
		f.mode = modeLogInactive
	default:
		return nil, a.Errorf(`argument 2 (mode) must be "active", "inactive" or "logInactive", got %q`, ms)
	}
	d, err := a.Duration(2, "d", false)
	if err != nil {
		return nil, err
	}
	if d <= 0 {
		return nil, a.Errorf("argument 3 (d) must be a positive duration, got %s", d)
	}
	size, err := a.Int(3, "window size")
	if err != nil {
		return nil, err
	}
	if size < 1 || size > 100 {
		return nil, a.Errorf("argument 4 (window size) must be within [1, 100], got %d", size)
	}
	if f.minRps, err = a.Int(4, "minRps"); err != nil {
		return nil, err
	}
	if f.threshold, err = a.Number(5, "success threshold"); err != nil {
		return nil, err
	}
	if !(f.threshold > 0 && f.threshold <= 1) {
		return nil, a.Errorf("argument 6 (success threshold) must be within (0, 1], got %v", f.threshold)
	}
	if f.maxReject, err = a.Number(6, "max reject probability"); err != nil {
		return nil, err
	}
	if !(f.maxReject > 0 && f.maxReject <= 1) {
		return nil, a.Errorf("argument 7 (max reject probability) must be within (0, 1], got %v", f.maxReject)
	}
	if f.exponent, err = a.Number(7, "exponent"); err != nil {
		return nil, err
	}
	if !(f.exponent > 0) || math.IsInf(f.exponent, 1) {
		return nil, a.Errorf("argument 8 (exponent) must be above 0, got %v", f.exponent)
	}
	f.rpsFactor = float64(time.Second) / (float64(d) * float64(size))
	f.window = newWindow(d, size)
	s.reg.addAdmission(f)
	return f, nil
}

// admissionFilter rejects requests with a probability that grows with the
// share of failed responses (status 499 and above) in the last windowSize
// periods of d, once the average rate over them reaches minRps:
//
//	p = min(maxReject, ((total - success/threshold) / (total + 1)) ^ exponent)
//
// Its window belongs to the filter instance: a route keeps it while its
// definition stays the same.
type admissionFilter struct {
	reg       *Registry
	suffix    string
	mode      admissionMode
	minRps    int
	threshold float64
	maxReject float64
	exponent  float64
	rpsFactor float64
	window    *window

	route    atomic.Pointer[string]
	requests atomic.Uint64
	rejected atomic.Uint64
}

// pReject returns the probability of a rejection now, or -1 while the
// filter does not act: fewer requests per second than minRps, or a
// success rate at or above the threshold.
func (f *admissionFilter) pReject(total, success float64) float64 {
	if total*f.rpsFactor < float64(f.minRps) {
		return -1
	}
	s := success / f.threshold
	if total < s {
		return -1
	}
	p := math.Pow((total-s)/(total+1), f.exponent)
	return math.Max(math.Min(p, f.maxReject), 0)
}

func (f *admissionFilter) Request(ctx filters.FilterContext) {
	if f.route.Load() == nil {
		id := ctx.RouteId()
		f.route.Store(&id)
	}
	f.requests.Add(1)
	m := ctx.Metrics()
	m.IncCounter(admissionTotalMetric + f.suffix)
	total, success := f.window.sums(f.reg.since())
	p := f.pReject(float64(total), float64(success))
	r := f.reg.rand()
	if f.mode == modeLogInactive {
		ctx.Logger().Infof("%s: total %d, success %d, threshold %v, minRps %d: p %.2f, r %.2f",
			AdmissionControlName, total, success, f.threshold, f.minRps, p, r)
	}
	if !(p > r) {
		return
	}
	f.rejected.Add(1)
	m.IncCounter(admissionRejectMetric + f.suffix)
	ctx.StateBag()[admissionKey] = true
	if f.mode != modeActive {
		return
	}
	rsp := errorResponse(http.StatusServiceUnavailable)
	rsp.Header[AdmissionSignalHeader] = []string{admissionSignalValue}
	ctx.Serve(rsp)
}

// Response counts the outcome: a status below 499 is a success. The
// filter's own rejections and those of other admission controls (their
// header) are not counted.
func (f *admissionFilter) Response(ctx filters.FilterContext) {
	if rejected, _ := ctx.StateBag()[admissionKey].(bool); rejected {
		return
	}
	rsp := ctx.Response()
	if rsp == nil {
		return
	}
	if v := rsp.Header[AdmissionSignalHeader]; len(v) > 0 && v[0] == admissionSignalValue {
		return
	}
	f.window.add(f.reg.since(), rsp.StatusCode < 499)
}

// HandleErrorResponse: the proxy's error answers (502, 504 ...) count as
// failures.
func (*admissionFilter) HandleErrorResponse() bool { return true }

// Close takes the filter off /queues.
func (f *admissionFilter) Close() error {
	f.reg.removeAdmission(f)
	return nil
}

// AdmissionStats is one admissionControl filter.
type AdmissionStats struct {
	MetricSuffix string `json:"metric_suffix"`
	// Route is the id of the filter's route, known from its first
	// request.
	Route string `json:"route"`
	Mode  string `json:"mode"`
	// Window is the span the counts cover (d times the window size).
	Window  string `json:"window"`
	Total   int64  `json:"total"`
	Success int64  `json:"success"`
	// RejectProbability is the current one; 0 while the filter does not
	// act.
	RejectProbability float64 `json:"reject_probability"`
	Requests          uint64  `json:"requests"`
	// Rejected counts the requests rejected (in the inactive modes: that
	// would have been).
	Rejected uint64 `json:"rejected"`
}

func (f *admissionFilter) stats(now time.Duration) AdmissionStats {
	total, success := f.window.sums(now)
	p := math.Max(f.pReject(float64(total), float64(success)), 0)
	route := ""
	if r := f.route.Load(); r != nil {
		route = *r
	}
	return AdmissionStats{
		MetricSuffix:      f.suffix,
		Route:             route,
		Mode:              f.mode.String(),
		Window:            (f.window.d * time.Duration(len(f.window.slots))).String(),
		Total:             total,
		Success:           success,
		RejectProbability: p,
		Requests:          f.requests.Load(),
		Rejected:          f.rejected.Load(),
	}
}

func (r *Registry) addAdmission(f *admissionFilter) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.admissions[f] = struct{}{}
}

func (r *Registry) removeAdmission(f *admissionFilter) {
	r.mu.Lock()
	defer r.mu.Unlock()
	delete(r.admissions, f)
}

// window counts outcomes in periods of d and sums the last len(slots)
// complete periods, as skipper's ring of counters does (the period under
// way is not part of the sums). It needs no ticker: periods are numbered
// from the registry's clock, and a slot holding an older period counts
// as empty.
type window struct {
	d     time.Duration
	mu    sync.Mutex
	cur   int64 // number of the period under way
	total int64 // its counts
	ok    int64
	slots []windowSlot
}

type windowSlot struct {
	period    int64
	total, ok int64
}

func newWindow(d time.Duration, size int) *window {
	w := &window{d: d, slots: make([]windowSlot, size)}
	for i := range w.slots {
		w.slots[i].period = -1
	}
	return w
}

// advanceLocked moves to the period of now, filing the one that ended.
func (w *window) advanceLocked(now time.Duration) {
	p := int64(now / w.d)
	if p <= w.cur {
		return
	}
	s := &w.slots[w.cur%int64(len(w.slots))]
	*s = windowSlot{period: w.cur, total: w.total, ok: w.ok}
	w.cur, w.total, w.ok = p, 0, 0
}

func (w *window) add(now time.Duration, ok bool) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.advanceLocked(now)
	w.total++
	if ok {
		w.ok++
	}
}

// sums returns the requests and successes of the last complete periods.
func (w *window) sums(now time.Duration) (total, ok int64) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.advanceLocked(now)
	first := w.cur - int64(len(w.slots))
	for _, s := range w.slots {
		if s.period >= first && s.period < w.cur {
			total += s.total
			ok += s.ok
		}
	}
	return total, ok
}
