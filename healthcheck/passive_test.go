package healthcheck

import (
	"testing"
	"time"
)

func TestPassiveRound(t *testing.T) {
	c := &PassiveConfig{Period: time.Second, MinRequests: 10, MinDropProbability: 0.1, MaxDropProbability: 0.8}
	for _, tc := range []struct {
		name           string
		ok, failed     int
		canceled       int
		wantDrop       float64
		wantCountedReq int64
	}{
		{name: "no traffic", wantDrop: 0},
		{name: "min-requests not exceeded", failed: 10, wantDrop: 0, wantCountedReq: 10},
		{name: "all failed, capped at max", failed: 11, wantDrop: 0.8, wantCountedReq: 11},
		{name: "share at min-drop", ok: 18, failed: 2, wantDrop: 0, wantCountedReq: 20},
		{name: "share above min-drop", ok: 15, failed: 5, wantDrop: 0.25, wantCountedReq: 20},
		{name: "none failed", ok: 100, wantDrop: 0, wantCountedReq: 100},
		{name: "canceled attempts not counted", failed: 5, canceled: 50, wantDrop: 0, wantCountedReq: 5},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := New(Config{Passive: c})
			e := r.Endpoint("http", "10.0.0.1:80")
			outcomes(e, tc.ok, NoFailure)
			outcomes(e, tc.failed, TimedOut)
			outcomes(e, tc.canceled, Canceled)
			if got := e.phcReqs[e.slot.Load()&1].Load(); got != tc.wantCountedReq {
				t.Errorf("counted %d requests, want %d", got, tc.wantCountedReq)
			}
			r.passiveRound(c)
			if got := e.DropProbability(); got != tc.wantDrop {
				t.Errorf("drop probability %v, want %v", got, tc.wantDrop)
			}
		})
	}
}

// Each round decides on the period that just ended only.
func TestPassiveRoundSlots(t *testing.T) {
	c := &PassiveConfig{Period: time.Second, MinRequests: 1, MaxDropProbability: 1}
	r := New(Config{Passive: c})
	e := r.Endpoint("http", "10.0.0.1:80")
	for i, step := range []struct {
		ok, failed int
		want       float64
	}{
		{ok: 1, failed: 3, want: 0.75},
		{ok: 3, failed: 1, want: 0.25}, // the first period's counts are gone
		{want: 0},                      // no traffic: nothing to decide on
		{ok: 2, failed: 2, want: 0.5},  // the slot used two rounds ago was cleared
	} {
		outcomes(e, step.ok, NoFailure)
		outcomes(e, step.failed, ConnectionReset)
		r.passiveRound(c)
		if got := e.DropProbability(); got != step.want {
			t.Errorf("round %d: drop probability %v, want %v", i+1, got, step.want)
		}
	}
}

func TestDropProbability(t *testing.T) {
	c := &PassiveConfig{MinRequests: 0, MinDropProbability: 0, MaxDropProbability: 0.5}
	for _, tc := range []struct {
		req, fail int64
		want      float64
	}{
		{0, 0, 0},
		{1, 0, 0},
		{1, 1, 0.5},
		{4, 1, 0.25},
		{3, 2, 0.5},
	} {
		if got := dropProbability(tc.req, tc.fail, c); got != tc.want {
			t.Errorf("dropProbability(%d, %d) = %v, want %v", tc.req, tc.fail, got, tc.want)
		}
	}
}
