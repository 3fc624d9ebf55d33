package status

import (
	"math"
	"sync"
	"testing"
	"time"
)

// TestCountersObserve pins the status classes and the two error counters.
func TestCountersObserve(t *testing.T) {
	c := NewCounters()
	for _, s := range []int{200, 204, 299, 301, 304, 400, 404, 499, 500, 502, 599, 0, 101, 600, 999} {
		c.Observe(s, time.Millisecond)
	}
	c.BadRequest()
	c.BadGateway()
	c.BadGateway()
	f := c.Figures()
	want := VarzFigures{
		Requests: 15, Responses2xx: 3, Responses3xx: 2, Responses4xx: 3, Responses5xx: 3, ResponsesXXX: 4,
		BadRequests: 1, BadGateways: 2,
	}
	f.Rate, f.Latency = [3]float64{}, LatencyPercentiles{}
	if f != want {
		t.Fatalf("got %+v\nwant %+v", f, want)
	}
}

// TestCountersLatency pins the nearest-rank percentiles over the ring, and
// that only the latest latencyRing requests count.
func TestCountersLatency(t *testing.T) {
	ms := func(n int) float64 { return (time.Duration(n) * time.Millisecond).Seconds() }
	for _, tc := range []struct {
		name    string
		observe []time.Duration
		want    LatencyPercentiles
	}{
		{name: "none", want: LatencyPercentiles{}},
		{name: "one", observe: []time.Duration{7 * time.Millisecond}, want: LatencyPercentiles{ms(7), ms(7), ms(7), ms(7), ms(7)}},
		{
			name: "1..100 ms",
			observe: func() (d []time.Duration) {
				for i := 100; i >= 1; i-- {
					d = append(d, time.Duration(i)*time.Millisecond)
				}
				return d
			}(),
			want: LatencyPercentiles{ms(50), ms(75), ms(90), ms(95), ms(99)},
		},
		{
			name: "old samples overwritten",
			observe: func() (d []time.Duration) {
				for range latencyRing {
					d = append(d, time.Hour)
				}
				for range latencyRing {
					d = append(d, 3*time.Millisecond)
				}
				return d
			}(),
			want: LatencyPercentiles{ms(3), ms(3), ms(3), ms(3), ms(3)},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := NewCounters()
			for _, d := range tc.observe {
				c.Observe(200, d)
			}
			if got := c.Figures().Latency; got != tc.want {
				t.Fatalf("got %+v, want %+v", got, tc.want)
			}
		})
	}
}

// TestCountersRate pins the moving averages: a steady rate converges to
// itself in every window, the shorter windows faster, and reads without
// new requests decay them.
func TestCountersRate(t *testing.T) {
	c := &Counters{}
	t0 := time.Unix(1_000_000, 0)
	if r := c.rate(t0, 0); r != [3]float64{} {
		t.Fatalf("first read %v", r)
	}
	// 10 req/s for 15 minutes, read every 10 s.
	var n int64
	now := t0
	for range 90 {
		now = now.Add(10 * time.Second)
		n += 100
		c.rate(now, n)
	}
	r := c.rate(now, n)
	if math.Abs(r[0]-10) > 0.01 || !(r[1] < r[0] && r[2] < r[1]) || r[2] < 5 {
		t.Fatalf("after 15 min at 10/s: %v", r)
	}
	// One read 15 min later after no requests: same result as reading
	// every second, e^-15 of the 1-min rate left.
	later := c.rate(now.Add(15*time.Minute), n)
	if want := r[0] * math.Exp(-15); math.Abs(later[0]-want) > 1e-9 {
		t.Fatalf("1-min rate after 15 idle minutes %v, want %v", later[0], want)
	}
	// Reading twice at the same instant changes nothing.
	if again := c.rate(now.Add(15*time.Minute), n); again != later {
		t.Fatalf("%v then %v", later, again)
	}
}

// TestCountersObserveAllocs pins "no allocation on the request path".
func TestCountersObserveAllocs(t *testing.T) {
	c := NewCounters()
	if n := testing.AllocsPerRun(1000, func() {
		c.Observe(200, time.Millisecond)
		c.BadRequest()
		c.BadGateway()
	}); n != 0 {
		t.Fatalf("%v allocations", n)
	}
}

// TestCountersConcurrent lets the race detector check Observe against
// Figures, and checks no count is lost.
func TestCountersConcurrent(t *testing.T) {
	c := NewCounters()
	var wg sync.WaitGroup
	for g := range 8 {
		wg.Go(func() {
			for i := range 1000 {
				c.Observe(200+100*(i%4), time.Duration(g*i))
				if i%100 == 0 {
					c.Figures()
				}
			}
		})
	}
	wg.Wait()
	f := c.Figures()
	if f.Requests != 8000 || f.Responses2xx != 2000 || f.Responses5xx != 2000 {
		t.Fatalf("%+v", f)
	}
}

func BenchmarkCountersObserve(b *testing.B) {
	c := NewCounters()
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			c.Observe(200, time.Millisecond)
		}
	})
}
