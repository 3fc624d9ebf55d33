package dashboard

import (
	"math"
	"sort"
	"sync"
	"time"
)

// recentSpan is the span of the "now" rates: the routes table, the
// busiest routes and the sort by rate use the last minute.
const recentSpan = time.Minute

// sampler keeps the request and 5xx counts of the last minutes in a ring
// of samples. A sample stores only the routes whose counts moved since the
// previous one, as (route index, deltas): a fleet of mostly idle routes
// costs next to nothing, and 10,000 busy routes over 120 samples about
// 14 MB.
type sampler struct {
	mu       sync.Mutex
	interval time.Duration

	ring  []sample
	next  int // where the next sample goes
	count int // samples in the ring

	started bool
	prevAt  time.Time
	prev    map[string]RouteCount

	// ids interns route ids: samples refer to routes by index.
	ids   map[string]int32
	names []string

	// recent sums the last minute's samples by route index.
	recent     map[int32]delta
	recentSecs float64
}

type sample struct {
	at     time.Time
	secs   float64 // since the previous sample
	total  delta
	routes []routeDelta // sorted by idx
}

type delta struct{ req, err uint64 }

type routeDelta struct {
	idx      int32
	req, err uint32
}

func newSampler(n int, interval time.Duration) *sampler {
	n = max(n, 2)
	return &sampler{interval: interval, ring: make([]sample, n), ids: map[string]int32{}}
}

// add takes the cumulative counts at now. The first call only sets the
// baseline. counts is kept until the next call and must not change.
func (s *sampler) add(now time.Time, counts map[string]RouteCount) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if !s.started {
		s.started, s.prevAt, s.prev = true, now, counts
		return
	}
	secs := now.Sub(s.prevAt).Seconds()
	if secs <= 0 {
		return // a clock step back: wait for the next sample
	}
	smp := sample{at: now, secs: secs}
	for id, c := range counts {
		p := s.prev[id]
		dr, de := c.Requests-p.Requests, c.Errors5xx-p.Errors5xx
		if c.Requests < p.Requests || c.Errors5xx < p.Errors5xx {
			dr, de = c.Requests, c.Errors5xx // restarted from 0
		}
		if dr == 0 && de == 0 {
			continue
		}
		smp.total.req += dr
		smp.total.err += de
		smp.routes = append(smp.routes, routeDelta{idx: s.intern(id), req: clamp32(dr), err: clamp32(de)})
	}
	sort.Slice(smp.routes, func(i, j int) bool { return smp.routes[i].idx < smp.routes[j].idx })
	s.ring[s.next] = smp
	s.next = (s.next + 1) % len(s.ring)
	s.count = min(s.count+1, len(s.ring))
	s.prevAt, s.prev = now, counts
	if len(s.names) > 2*len(s.prev)+1024 {
		s.compact()
	}
	s.sumRecent()
}

func clamp32(v uint64) uint32 { return uint32(min(v, math.MaxUint32)) }

func (s *sampler) intern(id string) int32 {
	if i, ok := s.ids[id]; ok {
		return i
	}
	i := int32(len(s.names))
	s.ids[id] = i
	s.names = append(s.names, id)
	return i
}

// compact drops the ids of routes that left both the counts and the ring,
// so that churning route ids do not grow the table without end.
func (s *sampler) compact() {
	used := make([]bool, len(s.names))
	for i := range s.count {
		for _, rd := range s.at(i).routes {
			used[rd.idx] = true
		}
	}
	remap := make([]int32, len(s.names))
	names := make([]string, 0, len(s.prev))
	ids := make(map[string]int32, len(s.prev))
	for i, name := range s.names {
		if _, live := s.prev[name]; !live && !used[i] {
			remap[i] = -1
			continue
		}
		remap[i] = int32(len(names))
		ids[name] = remap[i]
		names = append(names, name)
	}
	for i := range s.count {
		smp := s.at(i)
		for j := range smp.routes {
			smp.routes[j].idx = remap[smp.routes[j].idx] // order kept: remap is monotonic
		}
	}
	s.names, s.ids = names, ids
}

// at returns the i-th sample in the ring, 0 the oldest.
func (s *sampler) at(i int) *sample {
	return &s.ring[(s.next-s.count+i+len(s.ring))%len(s.ring)]
}

// sumRecent sums the samples of the last minute by route.
func (s *sampler) sumRecent() {
	n := min(s.count, max(1, int(math.Ceil(float64(recentSpan)/float64(s.interval)))))
	s.recent = map[int32]delta{}
	s.recentSecs = 0
	for i := s.count - n; i < s.count; i++ {
		smp := s.at(i)
		s.recentSecs += smp.secs
		for _, rd := range smp.routes {
			d := s.recent[rd.idx]
			d.req += uint64(rd.req)
			d.err += uint64(rd.err)
			s.recent[rd.idx] = d
		}
	}
}

// rates is a request rate and a 5xx rate, per second.
type rates struct {
	Requests float64 `json:"rps"`
	Errors   float64 `json:"eps"`
}

func rateOf(d delta, secs float64) rates {
	if secs <= 0 {
		return rates{}
	}
	return rates{round(float64(d.req) / secs), round(float64(d.err) / secs)}
}

// round keeps three decimals, which is what the page shows at most, and
// keeps the JSON short.
func round(v float64) float64 { return math.Round(v*1000) / 1000 }

// recentRates returns the last minute's rates of every route that had
// requests, and whether there is any sample yet.
func (s *sampler) recentRates() (map[string]rates, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make(map[string]rates, len(s.recent))
	for idx, d := range s.recent {
		out[s.names[idx]] = rateOf(d, s.recentSecs)
	}
	return out, s.count > 0
}

// recentTotal returns the last minute's rates over all routes.
func (s *sampler) recentTotal() rates {
	s.mu.Lock()
	defer s.mu.Unlock()
	var d delta
	n := min(s.count, max(1, int(math.Ceil(float64(recentSpan)/float64(s.interval)))))
	for i := s.count - n; i < s.count; i++ {
		d.req += s.at(i).total.req
		d.err += s.at(i).total.err
	}
	return rateOf(d, s.recentSecs)
}

// series is rates over time: At are unix milliseconds, the end of each
// point's span.
type series struct {
	At       []int64   `json:"at"`
	Requests []float64 `json:"rps"`
	Errors   []float64 `json:"eps"`
}

// totalSeries returns the rates over all routes, at most points points
// (adjacent samples merged), oldest first.
func (s *sampler) totalSeries(points int) series {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.series(points, func(smp *sample) delta { return smp.total })
}

// routeSeries returns the rates of each of ids like totalSeries.
func (s *sampler) routeSeries(ids []string, points int) map[string]series {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make(map[string]series, len(ids))
	for _, id := range ids {
		idx, ok := s.ids[id]
		out[id] = s.series(points, func(smp *sample) delta {
			if !ok {
				return delta{}
			}
			i := sort.Search(len(smp.routes), func(i int) bool { return smp.routes[i].idx >= idx })
			if i < len(smp.routes) && smp.routes[i].idx == idx {
				return delta{uint64(smp.routes[i].req), uint64(smp.routes[i].err)}
			}
			return delta{}
		})
	}
	return out
}

// series merges the ring into at most points points; s.mu is held.
func (s *sampler) series(points int, of func(*sample) delta) series {
	if s.count == 0 || points <= 0 {
		return series{At: []int64{}, Requests: []float64{}, Errors: []float64{}}
	}
	per := (s.count + points - 1) / points
	// The newest point is always a whole group: the oldest may be short.
	first := s.count % per
	n := s.count / per
	if first > 0 {
		n++
	}
	out := series{At: make([]int64, 0, n), Requests: make([]float64, 0, n), Errors: make([]float64, 0, n)}
	var d delta
	var secs float64
	flush := func(at time.Time) {
		r := rateOf(d, secs)
		out.At = append(out.At, at.UnixMilli())
		out.Requests = append(out.Requests, r.Requests)
		out.Errors = append(out.Errors, r.Errors)
		d, secs = delta{}, 0
	}
	for i := range s.count {
		smp := s.at(i)
		x := of(smp)
		d.req += x.req
		d.err += x.err
		secs += smp.secs
		if (i+1-first)%per == 0 {
			flush(smp.at)
		}
	}
	return out
}
