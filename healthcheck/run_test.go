package healthcheck

import (
	"context"
	"testing"
	"time"
)

func TestRunOnce(t *testing.T) {
	r := New(Config{})
	run(t, r, nil)
	waitFor(t, "Run to start", r.running.Load)
	if err := r.Run(context.Background(), nil); err == nil {
		t.Error("second Run returned nil")
	}
}

func TestRunCancelledContext(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	r := New(Config{
		Passive: &PassiveConfig{Period: time.Millisecond, MaxDropProbability: 1},
		Active:  ActiveConfig{Interval: time.Millisecond},
	})
	r.Endpoint("http", closedPort(t))
	if err := r.Run(ctx, func(func(*Endpoint)) {}); err != nil {
		t.Fatal(err)
	}
}

func TestRunSweeps(t *testing.T) {
	r := New(Config{ForgetAfter: 40 * time.Millisecond})
	kept := r.Endpoint("http", "10.0.0.1:80")
	gone := r.Endpoint("http", "10.0.0.2:80")
	run(t, r, func(mark func(*Endpoint)) { mark(kept) })
	waitFor(t, "the unused endpoint forgotten", func() bool { return r.Lookup(gone.Address()) == nil })
	if r.Lookup(kept.Address()) != kept {
		t.Error("endpoint in use forgotten")
	}
}

func TestRunWithoutInUseForgetsNothing(t *testing.T) {
	r := New(Config{ForgetAfter: time.Millisecond, Active: ActiveConfig{Interval: 10 * time.Millisecond}})
	addr, probes := counting(t)
	e := r.Endpoint("http", addr)
	run(t, r, nil)
	waitFor(t, "a few probe rounds", func() bool { return probes.Load() >= 3 })
	if r.Lookup(addr) != e {
		t.Error("endpoint forgotten without an InUse")
	}
}

func TestRunPassive(t *testing.T) {
	r := New(Config{Passive: &PassiveConfig{Period: 20 * time.Millisecond, MinRequests: 2, MaxDropProbability: 0.9}})
	e := r.Endpoint("http", "10.0.0.1:80")
	run(t, r, nil)
	// Failures keep coming, so that some period sees more than two.
	waitFor(t, "a drop probability", func() bool {
		outcomes(e, 3, TimedOut)
		return e.DropProbability() == 0.9
	})
	waitFor(t, "the drop probability to fall without traffic", func() bool { return e.DropProbability() == 0 })
}
