package routing

import (
	"sync"
	"testing"
	"time"

	"github.com/skiff-proxy/skiff/dataclients"
	"github.com/skiff-proxy/skiff/eskip"
)

// recordingObserver keeps what a Routing told it.
type recordingObserver struct {
	mu       sync.Mutex
	received []string // client:full
	builds   []bool   // incremental
	served   []time.Duration
}

func (o *recordingObserver) UpdateReceived(client string, full bool, _ time.Time) {
	o.mu.Lock()
	defer o.mu.Unlock()
	k := client + ":change"
	if full {
		k = client + ":full"
	}
	o.received = append(o.received, k)
}

func (o *recordingObserver) TableBuilt(incremental bool, took time.Duration) {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.builds = append(o.builds, incremental)
}

func (o *recordingObserver) UpdateServed(client string, received, now time.Time) {
	o.mu.Lock()
	defer o.mu.Unlock()
	if now.Before(received) {
		panic("served before received")
	}
	o.served = append(o.served, now.Sub(received))
}

func (o *recordingObserver) counts() (received, builds, incremental, served int) {
	o.mu.Lock()
	defer o.mu.Unlock()
	for _, inc := range o.builds {
		if inc {
			incremental++
		}
	}
	return len(o.received), len(o.builds), incremental, len(o.served)
}

// TestRoutingObserver: every update is received and later served once;
// a change that changes nothing builds no table.
func TestRoutingObserver(t *testing.T) {
	obs := &recordingObserver{}
	a := newChanClient("a")
	o := testOptions()
	o.PostProcessors = []PostProcessor{localDrop{local: true}}
	rr := startRouting(t, Options{BuildOptions: o, DataClients: []dataclients.DataClient{a}, Observer: obs})
	a.send(t, dataclients.Update{Reset: true, Upserts: []*eskip.Route{route("one", p("Path", "/1")), route("two", p("Path", "/2"))}})
	waitFor(t, rr.Routing, "first", hasIDs("one@a two@a "))
	a.send(t, dataclients.Update{Upserts: []*eskip.Route{route("three", p("Path", "/3"))}})
	waitFor(t, rr.Routing, "second", hasIDs("one@a three@a two@a "))
	// The same route again changes nothing: served, no table.
	a.send(t, dataclients.Update{Upserts: []*eskip.Route{route("three", p("Path", "/3"))}})
	deadline := time.Now().Add(5 * time.Second)
	for {
		received, builds, incremental, served := obs.counts()
		if received == 3 && served == 3 {
			// Even the first set is a change of the empty table here:
			// both are built incrementally.
			if builds != 2 || incremental != 2 {
				t.Errorf("builds %d (incremental %d), want 2 (2)", builds, incremental)
			}
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("received %d, served %d, want 3 each", received, served)
		}
		time.Sleep(time.Millisecond)
	}
	obs.mu.Lock()
	defer obs.mu.Unlock()
	if obs.received[0] != "a:full" || obs.received[1] != "a:change" {
		t.Errorf("received %v", obs.received)
	}
}
