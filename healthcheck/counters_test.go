package healthcheck

import (
	"testing"
	"time"
)

func TestCounters(t *testing.T) {
	clk := newTestClock()
	r := New(Config{Now: clk.Now, DeadTTL: time.Second})
	a := r.Endpoint("http", "10.0.0.1:80")
	b := r.Endpoint("http", "10.0.0.2:80")
	check := func(step string, dead, lame int64, transitions uint64) {
		t.Helper()
		if d, l, n := r.DeadEndpoints(), r.LameDuckEndpoints(), r.Transitions(); d != dead || l != lame || n != transitions {
			t.Errorf("%s: dead %d, lame duck %d, transitions %d; want %d, %d, %d", step, d, l, n, dead, lame, transitions)
		}
	}
	check("new", 0, 0, 0)
	a.End(Outcome{Failure: DialFailed})
	check("a dial failed", 1, 0, 1)
	a.MarkDead("again")
	check("a marked dead again", 1, 0, 1)
	b.SetState(LameDuck, "probe")
	check("b lame duck", 1, 1, 2)
	b.SetState(Dead, "probe")
	check("b dead", 2, 0, 3)
	clk.Add(2 * time.Second)
	if !a.Usable(clk.Now()) {
		t.Fatal("a's dead mark did not expire")
	}
	check("a's mark expired", 1, 0, 4)

	// Forgetting b takes it out of the gauges; a table that still holds
	// it may change its state without counting.
	r.sweep(func(mark func(*Endpoint)) { mark(a) })
	clk.Add(2 * time.Minute)
	r.sweep(func(mark func(*Endpoint)) { mark(a) })
	if r.Lookup(b.Address()) != nil {
		t.Fatal("b not forgotten")
	}
	check("b forgotten", 0, 0, 4)
	b.SetState(Healthy, "late report")
	check("forgotten b changed", 0, 0, 4)
}
