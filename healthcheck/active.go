package healthcheck

import (
	"context"
	"sync"
	"time"
)

// maxConcurrentProbes bounds the probes in flight at once: a round over a
// few hundred quickly answering endpoints still ends well within a usual
// interval, and a round of timeouts does not open hundreds of sockets at
// once. A round lasts at most ceil(endpoints/16) probe timeouts.
const maxConcurrentProbes = 16

// activeLoop probes every endpoint at once and then every Interval, and
// each new endpoint as soon as it is created, until ctx ends. Rounds run
// one after the other in this goroutine, so a slow round delays the next
// instead of overlapping it.
func (r *Registry) activeLoop(ctx context.Context) {
	p := newProber(r.cfg.Active)
	r.fresh.take() // the first round covers them
	r.probeRound(ctx, p, r.all())
	tk := time.NewTicker(r.cfg.Active.Interval)
	defer tk.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-tk.C:
			r.fresh.take()
			r.probeRound(ctx, p, r.all())
		case <-r.fresh.ready:
			r.probeRound(ctx, p, r.fresh.take())
		}
	}
}

// probeRound probes eps, at most maxConcurrentProbes at a time, and
// returns when every probe has ended and its connection is closed.
func (r *Registry) probeRound(ctx context.Context, p *prober, eps []*Endpoint) {
	defer p.closeIdle()
	var wg sync.WaitGroup
	defer wg.Wait()
	sem := make(chan struct{}, maxConcurrentProbes)
	for _, e := range eps {
		select {
		case sem <- struct{}{}:
		case <-ctx.Done():
			return
		}
		wg.Go(func() {
			defer func() { <-sem }()
			r.check(ctx, p, e)
		})
	}
}

// check probes e and records what the probe found.
func (r *Registry) check(ctx context.Context, p *prober, e *Endpoint) {
	res := p.probe(ctx, e)
	if ctx.Err() != nil {
		return // Run is ending: a probe cut short says nothing about e
	}
	if !res.ok {
		r.counts.probes[probeInconclusive].Add(1)
		// Per endpoint and every round: not worth more than debug.
		r.log.Debug("endpoint " + e.Address() + " not probed: " + res.reason)
		return
	}
	r.counts.probes[res.state].Add(1)
	if res.state != Healthy {
		r.log.Debug(res.reason)
	}
	e.SetState(res.state, res.reason)
}
