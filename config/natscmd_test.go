package config

import (
	"bytes"
	"strings"
	"testing"
	"time"

	natsgo "github.com/nats-io/nats.go"

	"github.com/skiff-proxy/skiff/dataclients/nats/natstest"
)

func TestNATSCommandPublishes(t *testing.T) {
	srv := natstest.Start(t)
	sub := srv.Connect(t)
	got := make(chan *natsgo.Msg, 16)
	if _, err := sub.ChanSubscribe("router.*", got); err != nil {
		t.Fatal(err)
	}
	if err := sub.Flush(); err != nil {
		t.Fatal(err)
	}
	msg := `{"host":"127.0.0.1","port":8080,"uris":["app.test"]}`
	for _, c := range []struct{ cmd, subject string }{{"register", "router.register"}, {"unregister", "router.unregister"}} {
		var out, errb bytes.Buffer
		if code := natsMain([]string{c.cmd, "-nats-servers", srv.URL(), msg}, nil, &out, &errb, nil); code != 0 {
			t.Fatalf("%s: exit %d: %s", c.cmd, code, errb.String())
		}
		select {
		case m := <-got:
			if m.Subject != c.subject || string(m.Data) != msg {
				t.Errorf("%s: got %s %s", c.cmd, m.Subject, m.Data)
			}
		case <-time.After(5 * time.Second):
			t.Fatalf("%s: nothing published", c.cmd)
		}
	}

	// -repeat publishes until stopped.
	stop := make(chan struct{})
	done := make(chan int)
	go func() {
		var out, errb bytes.Buffer
		done <- natsMain([]string{"register", "-nats-servers", srv.URL(), "-repeat", "20ms", msg}, nil, &out, &errb, stop)
	}()
	for range 3 {
		select {
		case <-got:
		case <-time.After(5 * time.Second):
			t.Fatal("-repeat did not publish again")
		}
	}
	close(stop)
	if code := <-done; code != 0 {
		t.Errorf("-repeat exit %d", code)
	}
}

// A message skiff would reject is refused before anything is published,
// with the decoder's reason.
func TestNATSCommandRejectsBadMessages(t *testing.T) {
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"register", `{"port":"8080","uris":["a"]}`}, "port"},
		{[]string{"register", `[]`}, "object"},
		{[]string{"register"}, "one MESSAGE"},
		{[]string{"announce", "{}"}, "unknown command"},
	} {
		var out, errb bytes.Buffer
		code := natsMain(append(c.args[:1:1], append([]string{"-nats-servers", "127.0.0.1:1"}, c.args[1:]...)...), nil, &out, &errb, nil)
		if code != 2 || !strings.Contains(errb.String(), c.want) {
			t.Errorf("%v: exit %d, stderr %q, want 2 and %q", c.args, code, errb.String(), c.want)
		}
	}
}
