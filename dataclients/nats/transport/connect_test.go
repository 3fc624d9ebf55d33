package transport

import (
	"context"
	"crypto/tls"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/nats-io/nats.go"

	"github.com/skiff-proxy/skiff/dataclients/nats/natstest"
)

// Spec §1: the initial connect is tried 3 times, 100 ms apart, and its
// failure is an error, unless StartWithoutNATS (EXT).
func TestInitialConnectFails(t *testing.T) {
	t.Parallel()
	srv := natstest.Start(t)
	srv.Shutdown() // its port is free now, and taken again by Restart

	start := time.Now()
	conn, err := Dial(context.Background(), testConfig(t, srv), func(Message) {})
	took := time.Since(start)
	if err == nil {
		conn.Close()
		t.Fatal("Dial succeeded with the server down")
	}
	if !errors.Is(err, nats.ErrNoServers) || !strings.Contains(err.Error(), srv.URL()) || !strings.Contains(err.Error(), "3 times") {
		t.Errorf("error %q: want one naming the server and the tries, wrapping %v", err, nats.ErrNoServers)
	}
	// Two pauses of 100 ms between three tries that fail at once.
	if took < 200*time.Millisecond || took > 2*time.Second {
		t.Errorf("Dial failed after %v, want about 200 ms", took)
	}
}

// StartWithoutNATS: Dial returns a Conn that is not connected, and that
// connects, subscribes and announces itself once the server is up.
func TestStartWithoutNATS(t *testing.T) {
	t.Parallel()
	srv := natstest.Start(t)
	srv.Shutdown()
	c := testConfig(t, srv)
	c.StartWithoutNATS = true
	var r recorder
	conn := dial(t, c, r.handle)
	if conn.Connected() {
		t.Fatal("Connected with the server down")
	}
	srv.Restart(t)
	client := srv.Connect(t)
	starts := watch(t, client, SubjectStart)
	m := next(t, starts, 5*time.Second, "router.start once connected")
	if got := fields(t, m.Data)["id"]; string(got) != `"`+conn.ID()+`"` {
		t.Errorf("id %s, want %q", got, conn.ID())
	}
	if !conn.Connected() {
		t.Error("not Connected")
	}
	publish(t, client, SubjectRegister, []byte(`{}`))
	waitFor(t, 5*time.Second, "registration handled", func() bool { return len(r.got()) == 1 })
	none(t, starts, 300*time.Millisecond, "second router.start")
}

// A cancelled context ends the initial connect.
func TestDialContext(t *testing.T) {
	t.Parallel()
	srv := natstest.Start(t)
	srv.Shutdown()
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	for _, without := range []bool{false, true} {
		c := testConfig(t, srv)
		c.StartWithoutNATS = without
		conn, err := Dial(ctx, c, func(Message) {})
		if err == nil {
			conn.Close()
		}
		if !errors.Is(err, context.Canceled) {
			t.Errorf("StartWithoutNATS %v: error %v, want %v", without, err, context.Canceled)
		}
	}
	if _, err := Dial(context.Background(), testConfig(t, srv), nil); err == nil || !strings.Contains(err.Error(), "handler") {
		t.Errorf("Dial without a handler: %v", err)
	}
	if _, err := Dial(context.Background(), Config{}, func(Message) {}); err == nil || !strings.Contains(err.Error(), "Servers") {
		t.Errorf("Dial without servers: %v", err)
	}
}

// Spec §1: servers are tried in turn; one down among them does not keep
// the Conn from connecting.
func TestSeveralServers(t *testing.T) {
	t.Parallel()
	down := natstest.Start(t)
	down.Shutdown()
	up := natstest.Start(t)
	c := testConfig(t, up)
	c.Servers = []string{down.Addr(), up.Addr()}
	var r recorder
	conn := dial(t, c, r.handle)
	if !conn.Connected() {
		t.Fatal("not Connected")
	}
	publish(t, up.Connect(t), SubjectRegister, []byte(`{}`))
	waitFor(t, 5*time.Second, "registration handled", func() bool { return len(r.got()) == 1 })
}

// Spec §1: one user and password for every server, or in the URL.
func TestUserPassword(t *testing.T) {
	t.Parallel()
	srv := natstest.StartWith(t, natstest.Options{User: "nats", Password: "s3cret"})
	host := strings.TrimPrefix(srv.URL(), "nats://")
	tests := []struct {
		name           string
		server         string
		user, password string
		ok             bool
	}{
		{"user and password", srv.URL(), "nats", "s3cret", true},
		{"in the URL", "nats://nats:s3cret@" + host, "", "", true},
		{"URL before the options", "nats://nats:s3cret@" + host, "nats", "wrong", true},
		{"wrong password", srv.URL(), "nats", "wrong", false},
		{"none", srv.URL(), "", "", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			c := testConfig(t, srv)
			c.Servers, c.User, c.Password = []string{tt.server}, tt.user, tt.password
			var r recorder
			conn, err := Dial(context.Background(), c, r.handle)
			if !tt.ok {
				if err == nil {
					conn.Close()
					t.Fatal("Dial succeeded")
				}
				if !errors.Is(err, nats.ErrAuthorization) || strings.Contains(err.Error(), "s3cret") || strings.Contains(err.Error(), "wrong") {
					t.Errorf("error %q: want an authorization error, without the password", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { conn.Close() })
			delivers(t, srv.Connect(t), &r)
		})
	}
}

// Spec §1: TLS with a CA bundle, and mTLS with a client certificate, from
// gorouter's PEM settings or from files.
func TestTLS(t *testing.T) {
	t.Parallel()
	tlsSrv := natstest.StartWith(t, natstest.Options{TLS: true})
	mtlsSrv := natstest.StartWith(t, natstest.Options{TLS: true, VerifyClients: true})
	fromFiles := func(srv *natstest.Server, cert bool) func(*testing.T) *tls.Config {
		return func(t *testing.T) *tls.Config {
			cs := srv.Certs()
			certFile, keyFile := "", ""
			if cert {
				certFile, keyFile = cs.ClientCertFile, cs.ClientKeyFile
			}
			c, err := TLSFromFiles(cs.CAFile, certFile, keyFile)
			if err != nil {
				t.Fatal(err)
			}
			return c
		}
	}
	fromPEM := func(srv *natstest.Server, cert bool) func(*testing.T) *tls.Config {
		return func(t *testing.T) *tls.Config {
			cs := srv.Certs()
			var certPEM, keyPEM []byte
			if cert {
				certPEM, keyPEM = cs.ClientCertPEM, cs.ClientKeyPEM
			}
			c, err := TLSFromPEM(cs.CAPEM, certPEM, keyPEM)
			if err != nil {
				t.Fatal(err)
			}
			return c
		}
	}
	tests := []struct {
		name string
		srv  *natstest.Server
		tls  func(*testing.T) *tls.Config
		err  string // empty: connects
	}{
		{"TLS, CA from PEM", tlsSrv, fromPEM(tlsSrv, false), ""},
		{"TLS, CA from a file", tlsSrv, fromFiles(tlsSrv, false), ""},
		{"mTLS from PEM", mtlsSrv, fromPEM(mtlsSrv, true), ""},
		{"mTLS from files", mtlsSrv, fromFiles(mtlsSrv, true), ""},
		// With TLS 1.3 the server refuses the missing certificate after the
		// client's side of the handshake: the client may see only a
		// closed connection.
		{"mTLS without a client certificate", mtlsSrv, fromPEM(mtlsSrv, false), "tls"},
		{"TLS with the system's roots", tlsSrv, func(*testing.T) *tls.Config { return &tls.Config{} }, "certificate"},
		// The client follows a server that demands TLS, with the
		// system's roots.
		{"no TLS configuration, TLS server", tlsSrv, func(*testing.T) *tls.Config { return nil }, "unknown authority"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			c := testConfig(t, tt.srv)
			c.TLS = tt.tls(t)
			var r recorder
			conn, err := Dial(context.Background(), c, r.handle)
			if tt.err != "" {
				if err == nil {
					conn.Close()
					t.Fatal("Dial succeeded")
				}
				if !strings.Contains(err.Error(), tt.err) {
					t.Errorf("error %q, want one about %q", err, tt.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { conn.Close() })
			delivers(t, tt.srv.Connect(t), &r)
		})
	}
}
