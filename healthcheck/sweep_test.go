package healthcheck

import (
	"testing"
	"time"
)

func TestSweep(t *testing.T) {
	clk := newTestClock()
	r := New(Config{Now: clk.Now}) // ForgetAfter: one minute
	marked := r.Endpoint("http", "10.0.0.1:80")
	handedOut := r.Endpoint("http", "10.0.0.2:80")
	unused := r.Endpoint("http", "10.0.0.3:80")
	inUse := func(mark func(*Endpoint)) { mark(marked); mark(nil) }

	clk.Add(40 * time.Second)
	r.sweep(inUse)
	r.Endpoint("http", "10.0.0.2:80") // a table build hands it out again
	if n := len(r.Endpoints()); n != 3 {
		t.Fatalf("after 40s: %d endpoints, want 3", n)
	}

	clk.Add(time.Minute) // nobody marked unused for 100s
	r.sweep(inUse)
	if r.Lookup(unused.Address()) != nil {
		t.Error("unused endpoint not forgotten after ForgetAfter")
	}
	if r.Lookup(marked.Address()) != marked {
		t.Error("marked endpoint forgotten")
	}
	if r.Lookup(handedOut.Address()) != handedOut {
		t.Error("endpoint handed out 60s ago forgotten")
	}

	clk.Add(time.Minute + time.Nanosecond)
	r.sweep(inUse)
	if r.Lookup(handedOut.Address()) != nil {
		t.Error("endpoint not handed out or marked for over a minute kept")
	}

	// Coming back after being forgotten starts afresh: a new object,
	// detected now (fade-in again).
	again := r.Endpoint("http", "10.0.0.3:80")
	if again == unused || !again.Detected().Equal(clk.Now()) {
		t.Errorf("returning endpoint: same object %v, detected %v; want a new one detected %v",
			again == unused, again.Detected(), clk.Now())
	}
}

func TestSweepInterval(t *testing.T) {
	for _, tc := range []struct{ forget, want time.Duration }{
		{time.Minute, 15 * time.Second},
		{time.Hour, 15 * time.Second},
		{20 * time.Second, 5 * time.Second},
		{100 * time.Millisecond, 25 * time.Millisecond},
		{time.Nanosecond, time.Millisecond},
	} {
		if got := sweepInterval(tc.forget); got != tc.want {
			t.Errorf("sweepInterval(%v) = %v, want %v", tc.forget, got, tc.want)
		}
	}
}
