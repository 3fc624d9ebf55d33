package nats

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/skiff-proxy/skiff/dataclients"
	"github.com/skiff-proxy/skiff/dataclients/nats/transport"
)

// The table under -race: messages on the delivery goroutine, prune and
// damping releases on Run's, lookups and sends from others, as in a
// running router. Afterwards the table is consistent.
func TestConcurrentTableUse(t *testing.T) {
	c, clk := newTestClient(t, Options{EmptyPool503: true, EmptyPoolTimeout: time.Second,
		Transport: transport.Config{PruneThreshold: 2 * time.Second, RegisterInterval: time.Second}})
	const pools, eps, rounds = 20, 5, 15
	var wg sync.WaitGroup
	done := make(chan struct{})
	wg.Add(1)
	go func() { // delivery
		defer wg.Done()
		defer close(done)
		for r := range rounds {
			for p := range pools {
				for e := range eps {
					m := ep(fmt.Sprintf("10.0.%d.%d", p, e), 8080+r%3, fmt.Sprintf("h%d.test/p%d", p, r%2), fmt.Sprintf("*.w%d.test", p))
					if (r+e)%4 == 0 {
						unregister(t, c, m)
					} else {
						register(t, c, m.with("availability_zone", fmt.Sprintf("z%d", r%5)))
					}
				}
			}
			clk.Add(100 * time.Millisecond)
		}
	}()
	wg.Add(1)
	go func() { // Run: prune, damping, sends
		defer wg.Done()
		out := make(chan dataclients.Update, 1)
		for {
			select {
			case <-done:
				return
			default:
			}
			c.pruneTick(nil, false)
			c.releaseHeld()
			select {
			case <-c.flush:
			case <-time.After(time.Millisecond):
			}
			c.send(context.Background(), out)
			select {
			case <-out:
			default:
			}
		}
	}()
	for g := range 2 {
		wg.Add(1)
		go func() { // requests
			defer wg.Done()
			for i := 0; ; i++ {
				select {
				case <-done:
					return
				default:
				}
				p := c.table.lookup(fmt.Sprintf("x.w%d.test", (i+g)%pools), "/p1/x")
				if p != nil {
					_ = p.key
				}
				c.table.lookup(fmt.Sprintf("h%d.test", i%pools), "/p0")
				if i%50 == 0 {
					c.Snapshot()
				}
			}
		}()
	}
	wg.Wait()
	checkConsistent(t, c.table)
}
