package transport

import (
	"context"
	"encoding/json"
	"sync"
	"testing"
	"time"

	"github.com/nats-io/nats.go"

	"github.com/skiff-proxy/skiff/dataclients/nats/natstest"
)

// recorder is a handler that keeps what it is handed.
type recorder struct {
	mu   sync.Mutex
	msgs []Message
	// block, when set, holds every call until release.
	block    chan struct{}
	released sync.Once
}

// blocked returns a recorder whose handler blocks until release. A test
// registers release as a cleanup after dial, so that it runs before the
// Conn's Close, which waits for the handler.
func blocked() *recorder { return &recorder{block: make(chan struct{})} }

func (r *recorder) release() { r.released.Do(func() { close(r.block) }) }

func (r *recorder) handle(m Message) {
	if r.block != nil {
		<-r.block
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	r.msgs = append(r.msgs, m)
}

func (r *recorder) got() []Message {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]Message(nil), r.msgs...)
}

// waitFor polls cond until it holds or d has passed.
func waitFor(t *testing.T, d time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(d)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("not within %v: %s", d, what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// testConfig is a Config for srv with the timers of spec §18 (register
// interval 1 s, threshold 4 s, index 3) and a quick reconnect.
func testConfig(t *testing.T, srv *natstest.Server) Config {
	return Config{
		Servers:          []string{srv.URL()},
		Index:            3,
		RegisterInterval: time.Second,
		PruneThreshold:   4 * time.Second,
		// Longer than the test clients' 50 ms, so that they are back
		// and subscribed when the Conn reconnects and announces itself.
		ReconnectWait: 300 * time.Millisecond,
		Log:           natstest.Logger(t),
	}
}

// dial dials and closes the Conn when t ends.
func dial(t *testing.T, c Config, handle func(Message)) *Conn {
	t.Helper()
	conn, err := Dial(context.Background(), c, handle)
	if err != nil {
		t.Fatalf("Dial: %v", err)
	}
	t.Cleanup(func() { conn.Close() })
	return conn
}

// watch subscribes nc to subject; the subscription is in place at the
// server when watch returns.
func watch(t *testing.T, nc *nats.Conn, subject string) chan *nats.Msg {
	t.Helper()
	ch := make(chan *nats.Msg, 64)
	if _, err := nc.ChanSubscribe(subject, ch); err != nil {
		t.Fatalf("subscribing to %s: %v", subject, err)
	}
	if err := nc.Flush(); err != nil {
		t.Fatalf("flush: %v", err)
	}
	return ch
}

// next returns the next message of ch, failing after d.
func next(t *testing.T, ch chan *nats.Msg, d time.Duration, what string) *nats.Msg {
	t.Helper()
	select {
	case m := <-ch:
		return m
	case <-time.After(d):
		t.Fatalf("no %s within %v", what, d)
		return nil
	}
}

// none fails if ch delivers within d.
func none(t *testing.T, ch chan *nats.Msg, d time.Duration, what string) {
	t.Helper()
	select {
	case m := <-ch:
		t.Fatalf("unexpected %s: %s %s", what, m.Subject, m.Data)
	case <-time.After(d):
	}
}

// fields decodes a JSON object into its keys' raw values.
func fields(t *testing.T, b []byte) map[string]json.RawMessage {
	t.Helper()
	var m map[string]json.RawMessage
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatalf("payload %s: %v", b, err)
	}
	return m
}

func publish(t *testing.T, nc *nats.Conn, subject string, data []byte) {
	t.Helper()
	if err := nc.Publish(subject, data); err != nil {
		t.Fatalf("publishing on %s: %v", subject, err)
	}
}

// delivers publishes a registration unique to t from pub and waits until
// r has handled it; other tests' messages on the same server may come
// along.
func delivers(t *testing.T, pub *nats.Conn, r *recorder) {
	t.Helper()
	data := []byte(`{"test":"` + t.Name() + `"}`)
	publish(t, pub, SubjectRegister, data)
	waitFor(t, 5*time.Second, "registration handled", func() bool {
		for _, m := range r.got() {
			if string(m.Data) == string(data) {
				return true
			}
		}
		return false
	})
}
