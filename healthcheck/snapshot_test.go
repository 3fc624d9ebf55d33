package healthcheck

import (
	"encoding/json"
	"math"
	"strings"
	"testing"
	"time"
)

func TestSnapshot(t *testing.T) {
	clk := newTestClock()
	r := New(Config{Now: clk.Now})
	b := r.Endpoint("https", "10.0.0.2:443")
	a := r.Endpoint("http", "10.0.0.1:80")
	a.Begin()
	outcomes(b, 3, NoFailure)
	outcomes(b, 1, TimedOut)
	b.drop.Store(math.Float64bits(0.25)) // as a passive round would
	clk.Add(90 * time.Second)
	b.End(Outcome{Failure: DialFailed})
	b.Begin() // attempts counted once ended: this one is only in flight

	routes := map[string][]string{"10.0.0.2:443": {"r1", "r2"}}
	got := r.Snapshot(func(hp string) []string { return routes[hp] })
	t0 := newTestClock().Now()
	want := []EndpointInfo{
		{Address: "10.0.0.1:80", Scheme: "http", Routes: []string{}, State: Healthy, Since: t0,
			InFlight: 1, Detected: t0},
		{Address: "10.0.0.2:443", Scheme: "https", Routes: []string{"r1", "r2"}, State: Dead,
			Since: t0.Add(90 * time.Second), Reason: "connection failed", InFlight: 0, Detected: t0,
			Requests: 5, Failures: 2, DropProbability: 0.25},
	}
	if len(got) != len(want) {
		t.Fatalf("%d entries, want %d", len(got), len(want))
	}
	for i := range want {
		g, w := got[i], want[i]
		if g.Address != w.Address || g.Scheme != w.Scheme || len(g.Routes) != len(w.Routes) || g.State != w.State ||
			!g.Since.Equal(w.Since) || g.Reason != w.Reason || g.InFlight != w.InFlight || !g.Detected.Equal(w.Detected) ||
			g.Requests != w.Requests || g.Failures != w.Failures || g.DropProbability != w.DropProbability {
			t.Errorf("entry %d:\n got %+v\nwant %+v", i, g, w)
		}
	}

	js, err := json.Marshal(got[1])
	if err != nil {
		t.Fatal(err)
	}
	const wantJSON = `{"address":"10.0.0.2:443","scheme":"https","routes":["r1","r2"],"state":"dead",` +
		`"since":"2026-01-02T03:05:35Z","reason":"connection failed","in_flight":0,` +
		`"detected":"2026-01-02T03:04:05Z","requests":5,"failures":2,"drop_probability":0.25}`
	if string(js) != wantJSON {
		t.Errorf("JSON\n got %s\nwant %s", js, wantJSON)
	}
	js, _ = json.Marshal(r.Snapshot(nil)[0])
	if want := `"routes":[],"state":"healthy"`; !strings.Contains(string(js), want) {
		t.Errorf("JSON without routes %s lacks %s", js, want)
	}
}
