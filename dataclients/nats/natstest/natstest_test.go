package natstest

import (
	"strings"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
)

// Each kind of server takes its clients' messages, and refuses the
// clients without the right credentials or certificate.
func TestStartWith(t *testing.T) {
	tests := []struct {
		name    string
		opts    Options
		refused func(*Server) []nats.Option // a client the server turns away
	}{
		{"plain", Options{}, nil},
		{"user and password", Options{User: "u", Password: "p"}, func(*Server) []nats.Option {
			return []nats.Option{nats.UserInfo("u", "wrong")}
		}},
		{"TLS", Options{TLS: true}, func(*Server) []nats.Option { return nil }}, // system roots
		{"mTLS", Options{TLS: true, VerifyClients: true}, func(s *Server) []nats.Option {
			return []nats.Option{nats.Secure(s.Certs().ClientTLS(false))}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			s := StartWith(t, tt.opts)
			if !strings.HasPrefix(s.URL(), "nats://127.0.0.1:") || !s.Running() {
				t.Fatalf("URL %q, running %v", s.URL(), s.Running())
			}
			if (s.Certs() != nil) != tt.opts.TLS || (s.ClientTLS() != nil) != tt.opts.TLS {
				t.Errorf("certs %v with TLS %v", s.Certs(), tt.opts.TLS)
			}
			pubSub(t, s.Connect(t), s.Connect(t))
			if tt.refused != nil {
				nc, err := nats.Connect(s.URL(), append(tt.refused(s), nats.NoReconnect())...)
				if err == nil {
					nc.Close()
					t.Error("a client without credentials connected")
				}
			}
		})
	}
}

// Restart brings the server back at the same address; clients reconnect.
// TestRestart: a restarted server serves at the same address. The check
// uses new connections: whether an old one reconnects is the client
// library's business (and nats.go, now and then, gives up on a connection
// whose server went and came back within milliseconds).
func TestRestart(t *testing.T) {
	t.Parallel()
	s := Start(t)
	addr := s.Addr()
	sub, pub := s.Connect(t), s.Connect(t)
	pubSub(t, sub, pub)

	s.Shutdown()
	s.Shutdown() // stopping a stopped server does nothing
	if s.Running() {
		t.Error("running after Shutdown")
	}
	if nc, err := nats.Connect(s.URL(), nats.NoReconnect()); err == nil {
		nc.Close()
		t.Fatal("connected to a server shut down")
	}
	s.Restart(t)
	if s.Addr() != addr || !s.Running() {
		t.Fatalf("after Restart: %s (running %v), want %s", s.Addr(), s.Running(), addr)
	}
	pubSub(t, s.Connect(t), s.Connect(t))
	s.Restart(t) // a running server is restarted too
	if s.Addr() != addr {
		t.Errorf("second Restart at %s, want %s", s.Addr(), addr)
	}
}

func TestCerts(t *testing.T) {
	c := NewCerts(t)
	for name, f := range map[string]string{"CA": c.CAFile, "server": c.ServerCertFile, "server key": c.ServerKeyFile, "client": c.ClientCertFile, "client key": c.ClientKeyFile} {
		if f == "" {
			t.Errorf("no %s file", name)
		}
	}
	if tc := c.ClientTLS(true); len(tc.Certificates) != 1 || tc.RootCAs == nil {
		t.Errorf("ClientTLS(true): %d certificates", len(tc.Certificates))
	}
	if tc := c.ClientTLS(false); len(tc.Certificates) != 0 {
		t.Errorf("ClientTLS(false): %d certificates", len(tc.Certificates))
	}
}

func TestLogger(t *testing.T) {
	log := Logger(t)
	log.Info("to the test's log")
}

// pubSub checks that a message published by pub reaches sub.
func pubSub(t *testing.T, sub, pub *nats.Conn) {
	t.Helper()
	s, err := sub.SubscribeSync("natstest.check")
	if err != nil {
		t.Fatal(err)
	}
	defer s.Unsubscribe()
	if err := sub.Flush(); err != nil {
		t.Fatal(err)
	}
	if err := pub.Publish("natstest.check", []byte("hello")); err != nil {
		t.Fatal(err)
	}
	m, err := s.NextMsg(5 * time.Second)
	if err != nil || string(m.Data) != "hello" {
		t.Fatalf("message: %v, %v", m, err)
	}
}
