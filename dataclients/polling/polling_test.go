package polling

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/sirupsen/logrus"
	"github.com/sirupsen/logrus/hooks/test"
	"go.uber.org/goleak"

	"github.com/skiff-proxy/skiff/dataclients"
	"github.com/skiff-proxy/skiff/eskip"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// step is one scripted answer of the fake client.
type step struct {
	all     bool // the call expected: LoadAll, else LoadUpdate
	routes  []*eskip.Route
	deletes []string
	err     error
}

func all(routes ...*eskip.Route) step    { return step{all: true, routes: routes} }
func allErr(err error) step              { return step{all: true, err: err} }
func upd(routes ...*eskip.Route) step    { return step{routes: routes} }
func updErr(err error) step              { return step{err: err} }
func (s step) del(ids ...string) step    { s.deletes = ids; return s }
func rt(id, backend string) *eskip.Route { return rtAt(id, backend, 0) }

func rtAt(id, backend string, line int) *eskip.Route {
	return &eskip.Route{Id: id, BackendType: eskip.NetworkBackend, Backend: backend, Pos: eskip.Position{Line: line}}
}

var errScriptDone = errors.New("script done")

// scripted is a fake of a user's polling client: it answers each call
// with the next step and checks that the call is the one expected. When
// the script is done it cancels the run and fails, so nothing more is
// sent.
type scripted struct {
	t      *testing.T
	steps  []step
	next   int
	cancel context.CancelFunc
}

func (s *scripted) take(all bool) step {
	if s.next == len(s.steps) {
		s.cancel()
		return step{err: errScriptDone}
	}
	st := s.steps[s.next]
	s.next++
	if st.all != all {
		s.t.Errorf("call %d is %s, want %s", s.next, callName(all), callName(st.all))
	}
	return st
}

func callName(all bool) string {
	if all {
		return "LoadAll"
	}
	return "LoadUpdate"
}

func (s *scripted) LoadAll() ([]*eskip.Route, error) {
	st := s.take(true)
	return st.routes, st.err
}

func (s *scripted) LoadUpdate() ([]*eskip.Route, []string, error) {
	st := s.take(false)
	return st.routes, st.deletes, st.err
}

// show writes an update as "reset a=A b=B" or "update +a=A -b".
func show(u dataclients.Update) string {
	var b strings.Builder
	if u.Reset {
		b.WriteString("reset")
		for _, r := range u.Upserts {
			fmt.Fprintf(&b, " %s=%s", r.Id, r.Backend)
		}
		return b.String()
	}
	b.WriteString("update")
	for _, r := range u.Upserts {
		fmt.Fprintf(&b, " +%s=%s", r.Id, r.Backend)
	}
	for _, id := range u.Deletes {
		fmt.Fprintf(&b, " -%s", id)
	}
	return b.String()
}

func TestPoller(t *testing.T) {
	errDown := errors.New("connection refused")
	errAuth := errors.New("401 unauthorized")
	for _, tc := range []struct {
		name    string
		script  []step
		updates []string
		logs    []string // level: message, the script's end left out
	}{{
		name:    "the first LoadAll is the full set",
		script:  []step{all(rt("a", "A"), nil, rt("b", "B"))},
		updates: []string{"reset a=A b=B"},
	}, {
		name:    "an empty source is a full set too",
		script:  []step{all()},
		updates: []string{"reset"},
	}, {
		name:    "changes are sent as updates, deletes after upserts in the message",
		script:  []step{all(rt("a", "A"), rt("b", "B")), upd(rt("a", "A2"), rt("c", "C")).del("b")},
		updates: []string{"reset a=A b=B", "update +a=A2 +c=C -b"},
	}, {
		name: "polls that change nothing send nothing",
		script: []step{
			all(rt("a", "A")),
			upd(),
			upd(rt("a", "A")), // an equal route, a new value
			upd().del("x"),    // never sent
			upd(rt("a", "A")).del("a"),
			upd(rt("b", "B")),
		},
		updates: []string{"reset a=A", "update +b=B"},
	}, {
		name:    "a deleted and upserted route is an upsert",
		script:  []step{all(rt("a", "A")), upd(rt("a", "A2")).del("a")},
		updates: []string{"reset a=A", "update +a=A2"},
	}, {
		name:    "a route that moved in its source is sent again",
		script:  []step{all(rtAt("a", "A", 1)), upd(rtAt("a", "A", 3))},
		updates: []string{"reset a=A", "update +a=A"},
	}, {
		name:    "startup failures send nothing and are logged once per distinct error",
		script:  []step{allErr(errDown), allErr(errDown), allErr(errAuth), allErr(errDown), all(rt("a", "A")), upd(rt("b", "B"))},
		updates: []string{"reset a=A", "update +b=B"},
		logs: []string{
			"error: LoadAll failed; no routes from this client yet; retrying every 1ms: connection refused",
			"error: LoadAll failed; no routes from this client yet; retrying every 1ms: 401 unauthorized",
			"error: LoadAll failed; no routes from this client yet; retrying every 1ms: connection refused",
			"info: polling works again after 4 failed polls",
		},
	}, {
		name:    "after a failed LoadUpdate, LoadAll; only its difference is sent",
		script:  []step{all(rt("a", "A"), rt("b", "B"), rt("c", "C")), updErr(errDown), all(rt("c", "C"), rt("b", "B2"), rt("d", "D")), upd(rt("e", "E"))},
		updates: []string{"reset a=A b=B c=C", "update +b=B2 +d=D -a", "update +e=E"},
		logs: []string{
			"error: LoadUpdate failed; keeping the last routes; the next poll loads all routes: connection refused",
			"info: polling works again after 1 failed polls",
		},
	}, {
		name:    "a LoadAll after a failure that finds nothing new sends nothing",
		script:  []step{all(rt("a", "A")), updErr(errDown), all(rt("a", "A")), upd(rt("a", "A2"))},
		updates: []string{"reset a=A", "update +a=A2"},
		logs: []string{
			"error: LoadUpdate failed; keeping the last routes; the next poll loads all routes: connection refused",
			"info: polling works again after 1 failed polls",
		},
	}, {
		name:    "LoadAll is retried until it works",
		script:  []step{all(rt("a", "A")), updErr(errDown), allErr(errDown), allErr(errDown), all()},
		updates: []string{"reset a=A", "update -a"},
		logs: []string{
			"error: LoadUpdate failed; keeping the last routes; the next poll loads all routes: connection refused",
			"error: LoadAll failed; keeping the last routes; retrying LoadAll every 1ms: connection refused",
			"info: polling works again after 3 failed polls",
		},
	}} {
		t.Run(tc.name, func(t *testing.T) {
			log, hook := test.NewNullLogger()
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			fake := &scripted{t: t, steps: tc.script, cancel: cancel}
			p := New(fake, Options{Interval: time.Millisecond, Log: log})
			out := make(chan dataclients.Update)
			done := make(chan error, 1)
			go func() { done <- p.Run(ctx, out) }()

			var got []string
		collect:
			for {
				select {
				case u := <-out:
					got = append(got, show(u))
				case err := <-done:
					if err != nil {
						t.Errorf("Run: %v", err)
					}
					break collect
				case <-time.After(10 * time.Second):
					t.Fatal("Run did not finish the script")
				}
			}
			if fake.next != len(tc.script) {
				t.Errorf("%d of %d steps used", fake.next, len(tc.script))
			}
			if strings.Join(got, "\n") != strings.Join(tc.updates, "\n") {
				t.Errorf("updates:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(tc.updates, "\n"))
			}
			var logs []string
			for _, e := range hook.AllEntries() {
				if e.Data[logrus.ErrorKey] == errScriptDone {
					continue
				}
				line := e.Level.String() + ": " + e.Message
				if err, ok := e.Data[logrus.ErrorKey].(error); ok {
					line += ": " + err.Error()
				}
				if e.Data["client"] != "polling:*polling.scripted" {
					t.Errorf("log entry without the client's name: %v", e.Data)
				}
				logs = append(logs, line)
			}
			if strings.Join(logs, "\n") != strings.Join(tc.logs, "\n") {
				t.Errorf("logs:\n%s\nwant:\n%s", strings.Join(logs, "\n"), strings.Join(tc.logs, "\n"))
			}
		})
	}
}

// gate is a client whose calls report on calls and wait for release.
type gate struct {
	calls   chan time.Time
	release chan struct{}
	routes  []*eskip.Route
}

func newGate(routes ...*eskip.Route) *gate {
	return &gate{calls: make(chan time.Time, 100), release: make(chan struct{}), routes: routes}
}

func (g *gate) LoadAll() ([]*eskip.Route, error) {
	g.calls <- time.Now()
	<-g.release
	return g.routes, nil
}

func (g *gate) LoadUpdate() ([]*eskip.Route, []string, error) {
	g.calls <- time.Now()
	<-g.release
	return nil, nil, nil
}

func start(p *Poller, out chan dataclients.Update) (context.CancelFunc, chan error) {
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- p.Run(ctx, out) }()
	return cancel, done
}

func waitDone(t *testing.T, done chan error) {
	t.Helper()
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("Run: %v", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("Run did not return after cancel")
	}
}

// TestCancel: Run returns nil when canceled while waiting for the next
// poll, while routing does not take the update, and before it starts;
// a call in progress is waited for, not abandoned.
func TestCancel(t *testing.T) {
	t.Run("waiting for the next poll", func(t *testing.T) {
		g := newGate()
		close(g.release)
		out := make(chan dataclients.Update, 1)
		cancel, done := start(New(g, Options{Interval: time.Hour}), out)
		<-g.calls
		<-out
		cancel()
		waitDone(t, done)
	})
	t.Run("sending", func(t *testing.T) {
		g := newGate(rt("a", "A"))
		close(g.release)
		cancel, done := start(New(g, Options{Interval: time.Hour}), make(chan dataclients.Update))
		<-g.calls
		cancel()
		waitDone(t, done)
	})
	t.Run("during a call", func(t *testing.T) {
		g := newGate()
		cancel, done := start(New(g, Options{Interval: time.Hour}), make(chan dataclients.Update))
		<-g.calls
		cancel()
		select {
		case <-done:
			t.Fatal("Run returned while LoadAll was running")
		case <-time.After(20 * time.Millisecond):
		}
		close(g.release)
		waitDone(t, done)
	})
	t.Run("before the first poll", func(t *testing.T) {
		g := newGate()
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		if err := New(g, Options{}).Run(ctx, make(chan dataclients.Update)); err != nil {
			t.Errorf("Run: %v", err)
		}
		if len(g.calls) != 0 {
			t.Error("polled after cancel")
		}
	})
}

// TestInterval: the first poll is at once; the next waits for Interval
// after the previous one ended.
func TestInterval(t *testing.T) {
	const interval = 200 * time.Millisecond
	g := newGate()
	out := make(chan dataclients.Update, 1)
	began := time.Now()
	cancel, done := start(New(g, Options{Interval: interval}), out)
	defer waitDone(t, done)
	defer cancel()
	first := <-g.calls
	if d := first.Sub(began); d > interval/2 {
		t.Errorf("first poll after %v", d)
	}
	time.Sleep(interval) // a slow LoadAll
	ended := time.Now()
	g.release <- struct{}{}
	second := <-g.calls
	if d := second.Sub(ended); d < interval {
		t.Errorf("second poll %v after the first ended, want at least %v", d, interval)
	}
	g.release <- struct{}{}
}

func TestDefaults(t *testing.T) {
	p := New(newGate(), Options{})
	if p.Name() != "polling:*polling.gate" || p.interval != DefaultInterval {
		t.Errorf("name %q, interval %v", p.Name(), p.interval)
	}
	p = New(newGate(), Options{Name: "catalog", Interval: -1})
	if p.Name() != "catalog" || p.interval != DefaultInterval {
		t.Errorf("name %q, interval %v", p.Name(), p.interval)
	}
}

// reusing is a client that reuses its result slice, which the Poller must
// not hand to routing as is.
type reusing struct {
	mu  sync.Mutex
	buf []*eskip.Route
}

func (c *reusing) LoadAll() ([]*eskip.Route, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.buf = append(c.buf[:0], rt("a", "A"))
	return c.buf, nil
}

func (c *reusing) LoadUpdate() ([]*eskip.Route, []string, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.buf = append(c.buf[:0], rt("b", "B"))
	return c.buf, nil, nil
}

func TestResultSlicesAreCopied(t *testing.T) {
	c := &reusing{}
	out := make(chan dataclients.Update)
	cancel, done := start(New(c, Options{Interval: time.Millisecond}), out)
	first, second := <-out, <-out
	cancel()
	waitDone(t, done)
	if show(first) != "reset a=A" || show(second) != "update +b=B" {
		t.Errorf("got %q then %q", show(first), show(second))
	}
}
