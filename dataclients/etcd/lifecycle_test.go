package etcd_test

import (
	"context"
	"errors"
	"sync/atomic"
	"testing"
	"time"

	"github.com/sirupsen/logrus"

	"github.com/skiff-proxy/skiff/dataclients"
	"github.com/skiff-proxy/skiff/dataclients/etcd"
)

// TestQuietWatchStaysLive: without any write, the heartbeat keeps being
// answered, so the client neither reads again nor reports a loss.
func TestQuietWatchStaysLive(t *testing.T) {
	var watches atomic.Int32
	h := start(t, shared, etcd.Options{Timeout: 50 * time.Millisecond}, func(c *etcd.Client) {
		etcd.SetBeforeWatch(c, func(int64) { watches.Add(1) })
	})
	h.waitFor("the first update", func(state) bool { _, u := h.snapshot(); return len(u) == 1 })
	time.Sleep(600 * time.Millisecond) // twelve heartbeats
	if n := countLogs(h, logrus.WarnLevel, ""); n != 0 {
		t.Errorf("%d warnings in a quiet time, e.g. %q", n, h.logs.LastEntry().Message)
	}
	at, connected := h.c.LastContact()
	if !connected || time.Since(at) > 300*time.Millisecond {
		t.Errorf("LastContact %v ago, connected %v; want recent and connected", time.Since(at), connected)
	}
	if n := watches.Load(); n != 1 {
		t.Errorf("%d watches made, want 1", n)
	}
}

func TestRunEnds(t *testing.T) {
	newClient := func(t *testing.T) *etcd.Client {
		log, _ := newNullLogger()
		c, err := etcd.New(fast(etcd.Options{Endpoints: shared.Endpoints(), Prefix: prefix(t), Log: log}))
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { c.Close() })
		return c
	}
	cancelIt := func(cancel context.CancelFunc, _ *etcd.Client) { cancel() }
	closeIt := func(_ context.CancelFunc, c *etcd.Client) { c.Close() }
	for _, tc := range []struct {
		name string
		// taken: the first Update was taken, else Run waits to send it
		taken bool
		// end ends Run one way or another
		end     func(cancel context.CancelFunc, c *etcd.Client)
		wantErr error // nil: Run must return nil
	}{
		{"context canceled", true, cancelIt, nil},
		{"context canceled while sending", false, cancelIt, nil},
		{"client closed", true, closeIt, etcd.ErrClosed},
		{"client closed while sending", false, closeIt, etcd.ErrClosed},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := newClient(t)
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			out := make(chan dataclients.Update)
			done := make(chan error, 1)
			go func() { done <- c.Run(ctx, out) }()
			if tc.taken {
				select {
				case u := <-out:
					if !u.Reset {
						t.Fatalf("first Update without Reset: %+v", u)
					}
				case <-time.After(10 * time.Second):
					t.Fatal("no first Update")
				}
			} else {
				time.Sleep(100 * time.Millisecond) // read, and waiting to send
			}
			tc.end(cancel, c)
			select {
			case err := <-done:
				if !errors.Is(err, tc.wantErr) || (tc.wantErr == nil) != (err == nil) {
					t.Fatalf("Run returned %v, want %v", err, tc.wantErr)
				}
			case <-time.After(10 * time.Second):
				t.Fatal("Run did not return")
			}
		})
	}

	t.Run("twice at once", func(t *testing.T) {
		c := newClient(t)
		ctx, cancel := context.WithCancel(context.Background())
		out := make(chan dataclients.Update)
		done := make(chan error, 1)
		go func() { done <- c.Run(ctx, out) }()
		<-out // the first is running
		if err := c.Run(ctx, out); err == nil {
			t.Error("a second Run at the same time returned nil")
		}
		cancel()
		if err := <-done; err != nil {
			t.Errorf("first Run: %v", err)
		}
	})
}

func TestNewDoesNotConnect(t *testing.T) {
	// Nothing listens on port 1: New must succeed, a request fail.
	log, _ := newNullLogger()
	c, err := etcd.New(etcd.Options{Endpoints: []string{"http://127.0.0.1:1"}, Timeout: 100 * time.Millisecond, Log: log})
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	defer c.Close()
	if at, connected := c.LastContact(); !at.IsZero() || connected {
		t.Errorf("LastContact before any request: %v, %v", at, connected)
	}
	_, _, _, err = c.Load(context.Background())
	if err == nil || !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("Load from nowhere: %v, want a deadline error", err)
	}
	if c.Name() != "etcd" {
		t.Errorf("Name %q", c.Name())
	}
}
