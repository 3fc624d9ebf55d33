package transport

import (
	"encoding/json"
	"net"
	"regexp"
	"testing"
	"time"

	"github.com/skiff-proxy/skiff/dataclients/nats/natstest"
)

// Spec §18 A.1 and A.4: router.start on boot, with the four keys, the id
// "3-<uuid>", one IPv4 host and the timers in seconds; the threshold raised
// to a longer register interval; published once only.
func TestStartOnBoot(t *testing.T) {
	t.Parallel()
	idRE := regexp.MustCompile(`^3-[0-9a-f-]{36}$`)
	tests := []struct {
		name                string
		interval, threshold time.Duration
		wantInterval        int
		wantThreshold       int
	}{
		{"spec timers", time.Second, 4 * time.Second, 1, 4},
		{"threshold raised by delay", 10 * time.Second, 4 * time.Second, 10, 10},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			srv := natstest.Start(t)
			starts := watch(t, srv.Connect(t), SubjectStart)
			c := testConfig(t, srv)
			c.RegisterInterval, c.PruneThreshold = tt.interval, tt.threshold
			conn := dial(t, c, func(Message) {})

			m := next(t, starts, 5*time.Second, "router.start")
			f := fields(t, m.Data)
			if len(f) != 4 {
				t.Errorf("keys of %s: want id, hosts, minimumRegisterIntervalInSeconds, pruneThresholdInSeconds", m.Data)
			}
			if _, ok := f["prunteThresholdInSeconds"]; ok {
				t.Errorf("the documentation's misspelt key in %s", m.Data)
			}
			var st Start
			if err := json.Unmarshal(m.Data, &st); err != nil {
				t.Fatal(err)
			}
			if !idRE.MatchString(st.ID) || st.ID != conn.ID() {
				t.Errorf("id %q (Conn.ID %q)", st.ID, conn.ID())
			}
			if len(st.Hosts) != 1 || net.ParseIP(st.Hosts[0]) == nil || net.ParseIP(st.Hosts[0]).To4() == nil {
				t.Errorf("hosts %q: want one IPv4 address", st.Hosts)
			}
			if st.MinimumRegisterIntervalInSeconds != tt.wantInterval || st.PruneThresholdInSeconds != tt.wantThreshold {
				t.Errorf("interval %d, threshold %d; want %d, %d", st.MinimumRegisterIntervalInSeconds, st.PruneThresholdInSeconds, tt.wantInterval, tt.wantThreshold)
			}
			if conn.PruneThreshold() != time.Duration(tt.wantThreshold)*time.Second {
				t.Errorf("Conn.PruneThreshold %v", conn.PruneThreshold())
			}
			// The spec waits 35 s, past gorouter's unused 30 s
			// publish_start_message_interval; nothing in this package
			// publishes on a timer, so 2 s show the same thing.
			none(t, starts, 2*time.Second, "second router.start")
		})
	}
}

// Spec §18 A.2: a router.greet request with an empty body is answered
// with the router.start payload, same id.
func TestGreet(t *testing.T) {
	t.Parallel()
	srv := natstest.Start(t)
	client := srv.Connect(t)
	starts := watch(t, client, SubjectStart)
	conn := dial(t, testConfig(t, srv), func(Message) {})
	start := next(t, starts, 5*time.Second, "router.start")

	for i := range 3 {
		reply, err := client.Request(SubjectGreet, nil, 5*time.Second)
		if err != nil {
			t.Fatalf("greet %d: %v", i, err)
		}
		if string(reply.Data) != string(start.Data) {
			t.Errorf("greet %d: reply\n%s\nwant the router.start payload\n%s", i, reply.Data, start.Data)
		}
		var st Start
		if err := json.Unmarshal(reply.Data, &st); err != nil || st.ID != conn.ID() {
			t.Errorf("greet %d: id %q, want %q (%v)", i, st.ID, conn.ID(), err)
		}
	}
	// A greeting without a reply subject is ignored; the connection is
	// none the worse for it.
	publish(t, client, SubjectGreet, nil)
	if _, err := client.Request(SubjectGreet, []byte("hello"), 5*time.Second); err != nil {
		t.Errorf("greet after one without reply: %v", err)
	}
}

// Spec §18 A.3: after the server restarts, the Conn reconnects, publishes
// router.start again with the same id, and is subscribed again.
func TestStartAfterReconnect(t *testing.T) {
	t.Parallel()
	srv := natstest.Start(t)
	starts := watch(t, srv.Connect(t), SubjectStart)
	var r recorder
	conn := dial(t, testConfig(t, srv), r.handle)
	first := next(t, starts, 5*time.Second, "router.start")
	if !conn.Connected() {
		t.Error("not Connected after Dial")
	}

	srv.Shutdown()
	waitFor(t, 5*time.Second, "Connected false with the server down", func() bool { return !conn.Connected() })
	srv.Restart(t)
	// A client of its own, subscribed before the Conn's reconnect
	// (ReconnectWait 300 ms), sees the announcement.
	client := srv.Connect(t)
	starts = watch(t, client, SubjectStart)
	again := next(t, starts, 5*time.Second, "router.start after reconnect")
	if string(again.Data) != string(first.Data) {
		t.Errorf("after reconnect\n%s\nwant as before\n%s", again.Data, first.Data)
	}
	if !conn.Connected() {
		t.Error("not Connected after reconnect")
	}
	if st := conn.Stats(); st.Reconnects != 1 {
		t.Errorf("Stats.Reconnects %d, want 1", st.Reconnects)
	}
	// Subscribed again before announcing: a registration sent in answer
	// to router.start arrives.
	publish(t, client, SubjectRegister, []byte(`{"n":1}`))
	waitFor(t, 5*time.Second, "registration after reconnect", func() bool { return len(r.got()) == 1 })
	none(t, starts, 500*time.Millisecond, "second router.start after one reconnect")
}
