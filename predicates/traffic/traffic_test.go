package traffic

import (
	"errors"
	"math/rand/v2"
	"net/http/httptest"
	"sync/atomic"
	"testing"

	"github.com/skiff-proxy/skiff/filters/specargs"
	"github.com/skiff-proxy/skiff/predicates/internal/predtest"
	"github.com/skiff-proxy/skiff/routing"
)

// fixed returns a Rand that yields v forever.
func fixed(v float64) func() float64 { return func() float64 { return v } }

func TestTraffic(t *testing.T) {
	for _, tc := range []struct {
		args    []any
		rnd     float64
		cookie  string
		want    bool
		wantErr bool
	}{
		{args: []any{0.3}, rnd: 0.29, want: true},
		{args: []any{0.3}, rnd: 0.3, want: false},
		{args: []any{0.0}, rnd: 0, want: false},
		{args: []any{1.0}, rnd: 0.9999, want: true},
		{args: []any{0.5, "grp", "blue"}, rnd: 0.9, cookie: "grp=blue", want: true},
		{args: []any{0.5, "grp", "blue"}, rnd: 0.1, cookie: "grp=green", want: false},
		{args: []any{0.5, "grp", "blue"}, rnd: 0.1, cookie: "other=blue", want: true},
		{args: []any{0.5, "grp", "blue"}, rnd: 0.6, want: false},
		{args: nil, wantErr: true},
		{args: []any{0.5, "grp"}, wantErr: true},
		{args: []any{0.5, "grp", "v", "x"}, wantErr: true},
		{args: []any{1.5}, wantErr: true},
		{args: []any{-0.1}, wantErr: true},
		{args: []any{"0.5"}, wantErr: true},
		{args: []any{0.5, "", "v"}, wantErr: true},
		{args: []any{0.5, "grp", 1.0}, wantErr: true},
	} {
		p := predtest.Create(t, NewTraffic(Options{Rand: fixed(tc.rnd)}), tc.args, tc.wantErr)
		if tc.wantErr {
			continue
		}
		r := httptest.NewRequest("GET", "/", nil)
		if tc.cookie != "" {
			r.Header.Set("Cookie", tc.cookie)
		}
		if got := p.Match(r); got != tc.want {
			t.Errorf("Traffic%v rand %v cookie %q: %v, want %v", tc.args, tc.rnd, tc.cookie, got, tc.want)
		}
	}
}

func TestTrafficDrawsPerEvaluation(t *testing.T) {
	var calls atomic.Int64
	p, _ := NewTraffic(Options{Rand: func() float64 { calls.Add(1); return 0 }}).Create([]any{0.5})
	r := httptest.NewRequest("GET", "/", nil)
	p.Match(r)
	p.Match(r)
	if calls.Load() != 2 {
		t.Fatalf("%d draws, want 2", calls.Load())
	}
}

func TestTrafficSegmentArgs(t *testing.T) {
	spec := NewTrafficSegment(Options{})
	if spec.Name() != "TrafficSegment" || spec.Weight() != -1 {
		t.Fatalf("name %q weight %d", spec.Name(), spec.Weight())
	}
	for _, a := range [][]any{
		nil, {0.1}, {0.1, 0.2, 0.3}, {0.5, 0.4}, {-0.1, 0.5}, {0.0, 1.1}, {"0", 0.5}, {0.0, "1"},
	} {
		if _, err := spec.Create(a); !errors.Is(err, specargs.ErrInvalidPredicateParameters) {
			t.Errorf("TrafficSegment%v: err %v, want ErrInvalid", a, err)
		}
	}
	for _, a := range [][]any{{0.0, 1.0}, {0.5, 0.5}, {0.0, 0.0}, {1.0, 1.0}} {
		if _, err := spec.Create(a); err != nil {
			t.Errorf("TrafficSegment%v: %v", a, err)
		}
	}
}

func TestTrafficSegmentBounds(t *testing.T) {
	for _, tc := range []struct {
		min, max, rnd float64
		want          bool
	}{
		{0, 0.5, 0, true},
		{0, 0.5, 0.4999, true},
		{0, 0.5, 0.5, false},
		{0.5, 1, 0.5, true},
		{0.5, 1, 0.9999, true},
		{0.5, 0.5, 0.5, false},
	} {
		p, _ := NewTrafficSegment(Options{Rand: fixed(tc.rnd)}).Create([]any{tc.min, tc.max})
		r := httptest.NewRequest("GET", "/", nil)
		r = r.WithContext(WithSegment(r.Context()))
		if got := p.Match(r); got != tc.want {
			t.Errorf("[%v,%v) with %v: %v, want %v", tc.min, tc.max, tc.rnd, got, tc.want)
		}
	}
}

// With a Segment in the context, the segments of one request partition
// [0,1): exactly one of them matches, whatever the number drawn.
func TestTrafficSegmentSharedPerRequest(t *testing.T) {
	src := rand.New(rand.NewPCG(1, 2))
	var draws int
	o := Options{Rand: func() float64 { draws++; return src.Float64() }}
	spec := NewTrafficSegment(o)
	bounds := [][2]float64{{0, 0.1}, {0.1, 0.3}, {0.3, 1}}
	var ps []routing.Predicate
	for _, b := range bounds {
		p, err := spec.Create([]any{b[0], b[1]})
		if err != nil {
			t.Fatal(err)
		}
		ps = append(ps, p)
	}
	counts := make([]int, len(ps))
	const n = 20000
	for i := 0; i < n; i++ {
		r := httptest.NewRequest("GET", "/", nil)
		r = r.WithContext(WithSegment(r.Context()))
		matched := 0
		for j, p := range ps {
			if p.Match(r) {
				matched++
				counts[j]++
			}
		}
		if matched != 1 {
			t.Fatalf("request %d matched %d segments", i, matched)
		}
	}
	if draws != n {
		t.Fatalf("%d draws for %d requests", draws, n)
	}
	for j, b := range bounds {
		share := float64(counts[j]) / n
		if want := b[1] - b[0]; share < want-0.02 || share > want+0.02 {
			t.Errorf("segment %v got %.3f of traffic", b, share)
		}
	}
}

func TestSegmentReset(t *testing.T) {
	v := 0.2
	p, _ := NewTrafficSegment(Options{Rand: func() float64 { return v }}).Create([]any{0.0, 0.5})
	var s Segment
	r := httptest.NewRequest("GET", "/", nil)
	r = r.WithContext(contextWith(r, &s))
	if !p.Match(r) {
		t.Fatal("0.2 not in [0,.5)")
	}
	v = 0.7
	if !p.Match(r) {
		t.Fatal("second evaluation of the same request drew again")
	}
	s.Reset()
	if p.Match(r) {
		t.Fatal("Reset did not forget the number")
	}
}

func TestNoAllocs(t *testing.T) {
	seg, _ := NewTrafficSegment(Options{}).Create([]any{0.1, 0.6})
	tr, _ := NewTraffic(Options{}).Create([]any{0.5, "g", "a"})
	r := httptest.NewRequest("GET", "/", nil)
	r.Header.Set("Cookie", "g=b")
	withSeg := r.WithContext(WithSegment(r.Context()))
	for name, f := range map[string]func(){
		"segment":            func() { seg.Match(withSeg) },
		"segment no context": func() { seg.Match(r) },
		"traffic":            func() { tr.Match(r) },
	} {
		if n := testing.AllocsPerRun(100, f); n != 0 {
			t.Errorf("%s: %v allocs", name, n)
		}
	}
}
