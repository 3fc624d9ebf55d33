package loadbalancer

import (
	"bytes"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/sirupsen/logrus"

	"github.com/skiff-proxy/skiff/filters"
	"github.com/skiff-proxy/skiff/healthcheck"
	"github.com/skiff-proxy/skiff/routing"
)

// eps returns n endpoints http://10.0.x.y:8080.
func eps(n int) []routing.LBEndpoint {
	out := make([]routing.LBEndpoint, n)
	for i := range out {
		out[i] = routing.LBEndpoint{Scheme: "http", Host: fmt.Sprintf("10.0.%d.%d:8080", i/250, i%250+1)}
	}
	return out
}

// fakeClock is a registry clock that moves only when told; it counts how
// often it is read.
type fakeClock struct {
	ns    atomic.Int64
	reads atomic.Int64
}

func newClock() *fakeClock {
	c := &fakeClock{}
	c.ns.Store(time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC).UnixNano())
	return c
}

func (c *fakeClock) Now() time.Time {
	c.reads.Add(1)
	return time.Unix(0, c.ns.Load())
}

func (c *fakeClock) Add(d time.Duration) { c.ns.Add(int64(d)) }
func (c *fakeClock) Set(t time.Time)     { c.ns.Store(t.UnixNano()) }
func (c *fakeClock) Time() time.Time     { return time.Unix(0, c.ns.Load()) }
func (c *fakeClock) Since(t time.Time) time.Duration {
	return time.Duration(c.ns.Load() - t.UnixNano())
}

// logBuffer collects a logger's output.
type logBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *logBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *logBuffer) count(s string) int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return strings.Count(l.b.String(), s)
}

// registry returns a registry on clock (nil: real time) whose log goes to
// the returned buffer.
func registry(clock *fakeClock) (*healthcheck.Registry, *logBuffer) {
	buf := &logBuffer{}
	log := logrus.New()
	log.SetOutput(buf)
	cfg := healthcheck.Config{Log: log}
	if clock != nil {
		cfg.Now = clock.Now
	}
	return healthcheck.New(cfg), buf
}

// balancer returns a balancer over n endpoints of a fresh registry.
func balancer(algo algorithm, n int) *Balancer {
	reg, _ := registry(nil)
	return newBalancer(reg, settings{route: "r", algo: algo}, eps(n))
}

// algorithms are the algorithms by name, for tables over all of them.
var algorithms = []struct {
	name string
	algo algorithm
}{
	{RoundRobin, algoRoundRobin},
	{Random, algoRandom},
	{ConsistentHash, algoConsistentHash},
	{PowerOfRandomNChoices, algoPowerOfTwo},
	{LeastConnection, algoLeastConnection},
}

func indexOf(b *Balancer, m *Member) int {
	ms := b.Members()
	for i := range ms {
		if &ms[i] == m {
			return i
		}
	}
	return -1
}

// picks counts the members chosen by n selections of bag-less requests
// from distinct client addresses (consistentHash spreads them).
func picks(b *Balancer, n int, exclude ...*healthcheck.Endpoint) []int {
	counts := make([]int, len(b.Members()))
	for k := range n {
		i := indexOf(b, b.Select(nil, map[string]any{filters.ConsistentHashKey: fmt.Sprint("client-", k)}, exclude))
		counts[i]++
	}
	return counts
}
