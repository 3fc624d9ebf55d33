package transport

import (
	"context"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/nats-io/nats.go"

	"github.com/skiff-proxy/skiff/dataclients/nats/natstest"
)

// The embedded server serves a Conn and a registrar on loopback.
func TestEmbedded(t *testing.T) {
	t.Parallel()
	e, err := StartEmbedded("", natstest.Logger(t))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { e.Close() })
	if !strings.HasPrefix(e.URL(), "nats://127.0.0.1:") || e.URL() != "nats://"+e.Addr() {
		t.Errorf("URL %q, Addr %q", e.URL(), e.Addr())
	}
	var r recorder
	conn, err := Dial(context.Background(), Config{Servers: []string{e.URL()}, Log: natstest.Logger(t)}, r.handle)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	nc, err := nats.Connect(e.URL())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(nc.Close)
	if err := nc.Publish(SubjectRegister, []byte(`{}`)); err != nil {
		t.Fatal(err)
	}
	waitFor(t, 5*time.Second, "registration handled", func() bool { return len(r.got()) == 1 })

	if err := e.Close(); err != nil {
		t.Fatal(err)
	}
	waitFor(t, 5*time.Second, "disconnected from the closed server", func() bool { return !conn.Connected() })
	if err := e.Close(); err != nil {
		t.Errorf("second Close: %v", err)
	}
}

func TestEmbeddedAddress(t *testing.T) {
	t.Parallel()
	taken, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer taken.Close()
	tests := []struct {
		addr string
		err  string // empty: starts
	}{
		{"127.0.0.1:0", ""},
		{"localhost:0", ""},
		{"[::1]:0", ""},
		{taken.Addr().String(), "address already in use"},
		{"0.0.0.0:4222", "loopback"},
		{"192.0.2.1:4222", "loopback"},
		{"example.com:4222", "loopback"},
		{"127.0.0.1", "host:port"},
		{"127.0.0.1:65536", "port"},
	}
	for _, tt := range tests {
		t.Run(tt.addr, func(t *testing.T) {
			e, err := StartEmbedded(tt.addr, natstest.Logger(t))
			if tt.err == "" {
				if err != nil {
					if strings.Contains(tt.addr, "::1") && strings.Contains(err.Error(), "cannot assign") {
						t.Skip("no IPv6 loopback here")
					}
					t.Fatal(err)
				}
				e.Close()
				return
			}
			if err == nil {
				e.Close()
				t.Fatal("started")
			}
			if !strings.Contains(err.Error(), tt.err) || !strings.Contains(err.Error(), "embedded nats") {
				t.Errorf("error %q, want one about %q", err, tt.err)
			}
		})
	}
}
