package dashboard

import (
	"fmt"
	"math"
	"testing"
	"time"
)

func counts(kv ...any) map[string]RouteCount {
	m := map[string]RouteCount{}
	for i := 0; i+2 < len(kv)+1; i += 3 {
		m[kv[i].(string)] = RouteCount{uint64(kv[i+1].(int)), uint64(kv[i+2].(int))}
	}
	return m
}

func TestSamplerRates(t *testing.T) {
	s := newSampler(12, 5*time.Second)
	t0 := time.Unix(1700000000, 0)
	s.add(t0, counts("a", 1000, 10, "b", 5, 0))
	if r, ok := s.recentRates(); ok || len(r) != 0 {
		t.Fatalf("rates after the baseline only: %v %v", r, ok)
	}
	// 5 s later: a +50 (+5 errors), b unchanged, c new with 10.
	s.add(t0.Add(5*time.Second), counts("a", 1050, 15, "b", 5, 0, "c", 10, 0))
	r, ok := s.recentRates()
	if !ok {
		t.Fatal("no sample")
	}
	if r["a"] != (rates{10, 1}) || r["c"] != (rates{2, 0}) {
		t.Errorf("rates %v", r)
	}
	if _, moved := r["b"]; moved {
		t.Errorf("b did not move but has a rate: %v", r["b"])
	}
	if tot := s.recentTotal(); tot != (rates{12, 1}) {
		t.Errorf("total %v", tot)
	}
	// A count that drops restarted from 0.
	s.add(t0.Add(10*time.Second), counts("a", 20, 0, "c", 10, 0))
	r, _ = s.recentRates()
	// Last minute: a = 50+20 over 10 s, errors 5 over 10 s.
	if r["a"] != (rates{7, 0.5}) {
		t.Errorf("after reset: %v", r["a"])
	}
	// A clock step back is skipped.
	s.add(t0.Add(9*time.Second), counts("a", 30, 0))
	if s.count != 2 {
		t.Errorf("%d samples after a step back, want 2", s.count)
	}
}

func TestSamplerRecentIsTheLastMinute(t *testing.T) {
	s := newSampler(120, 5*time.Second)
	t0 := time.Unix(1700000000, 0)
	var n uint64
	for i := range 30 {
		if i == 10 {
			n += 600 // a burst 20 samples ago: out of the last minute (12 samples)
		}
		n += 5
		s.add(t0.Add(time.Duration(i)*5*time.Second), map[string]RouteCount{"a": {n, 0}})
	}
	r, _ := s.recentRates()
	if r["a"].Requests != 1 {
		t.Errorf("last minute rate %v, want 1", r["a"])
	}
}

func TestSamplerSeries(t *testing.T) {
	s := newSampler(10, time.Second)
	t0 := time.Unix(1700000000, 0)
	for i := range 15 { // 14 samples after the baseline; the ring keeps 10
		s.add(t0.Add(time.Duration(i)*time.Second), map[string]RouteCount{"a": {uint64(i * i), 0}, "b": {uint64(i), uint64(i)}})
	}
	full := s.totalSeries(100)
	if len(full.At) != 10 || len(full.Requests) != 10 {
		t.Fatalf("series of %d points, want 10", len(full.At))
	}
	if full.At[9] != t0.Add(14*time.Second).UnixMilli() || full.At[0] != t0.Add(5*time.Second).UnixMilli() {
		t.Errorf("times %v", full.At)
	}
	// Sample i adds (i²-(i-1)²) = 2i-1 for a and 1 for b.
	for j, v := range full.Requests {
		i := j + 5
		if v != float64(2*i-1+1) {
			t.Errorf("point %d: %v, want %d", j, v, 2*i)
		}
	}
	// Merged into 4 points of 3 samples, the oldest of 1.
	m := s.totalSeries(4)
	if len(m.At) != 4 || m.At[3] != full.At[9] || m.At[0] != full.At[0] {
		t.Fatalf("merged %v", m)
	}
	if m.Requests[1] != (full.Requests[1]+full.Requests[2]+full.Requests[3])/3 {
		t.Errorf("merged point %v", m.Requests[1])
	}
	rs := s.routeSeries([]string{"b", "nope"}, 100)
	for _, v := range rs["b"].Errors {
		if v != 1 {
			t.Fatalf("b errors %v", rs["b"].Errors)
		}
	}
	if len(rs["nope"].Requests) != 10 || rs["nope"].Requests[0] != 0 {
		t.Errorf("unknown route %v", rs["nope"])
	}
	if e := (&sampler{ring: make([]sample, 2)}).totalSeries(10); e.At == nil || len(e.At) != 0 {
		t.Errorf("empty series %#v", e)
	}
}

// Route ids that come and go do not grow the intern table without end,
// and the remaining samples keep their routes.
func TestSamplerCompactsChurningIDs(t *testing.T) {
	s := newSampler(4, time.Second)
	t0 := time.Unix(1700000000, 0)
	s.add(t0, nil)
	for i := range 3000 {
		id := fmt.Sprint("r", i)
		s.add(t0.Add(time.Duration(i+1)*time.Second), map[string]RouteCount{id: {1, 0}, "steady": {uint64(i + 1), 0}})
	}
	if len(s.names) > 1100 {
		t.Errorf("%d interned ids for 5 live ones", len(s.names))
	}
	r, _ := s.recentRates()
	if r["steady"].Requests != 1 || r["r2999"].Requests != 0.25 {
		t.Errorf("rates after compaction: steady %v, r2999 %v", r["steady"], r["r2999"])
	}
	ss := s.routeSeries([]string{"r2998"}, 10)["r2998"].Requests
	if ss[len(ss)-2] != 1 || ss[len(ss)-1] != 0 {
		t.Errorf("r2998 series %v", ss)
	}
}

func TestClamp(t *testing.T) {
	if clamp32(math.MaxUint64) != math.MaxUint32 || clamp32(7) != 7 {
		t.Error("clamp32")
	}
}
