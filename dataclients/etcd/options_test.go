package etcd

import (
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestOptionsCheck(t *testing.T) {
	dir := t.TempDir()
	notPEM := filepath.Join(dir, "ca.pem")
	if err := os.WriteFile(notPEM, []byte("not a certificate"), 0o600); err != nil {
		t.Fatal(err)
	}
	ep := []string{"http://127.0.0.1:2379"}
	for _, tc := range []struct {
		name string
		o    Options
		err  string // part of the error; "" for valid options
	}{
		{"no endpoint", Options{}, "-etcd-urls"},
		{"not a URL scheme", Options{Endpoints: []string{"127.0.0.1:2379"}}, "http:// or https://"},
		{"unix socket", Options{Endpoints: []string{"unix:///run/etcd.sock"}}, "http:// or https://"},
		{"no host", Options{Endpoints: []string{"http://"}}, "no host"},
		{"path", Options{Endpoints: []string{"http://h:2379/v2/keys"}}, "only scheme, host and port"},
		{"mixed schemes", Options{Endpoints: []string{"http://a:2379", "https://b:2379"}}, "mix http and https"},
		{"user without password", Options{Endpoints: ep, Username: "u"}, "-etcd-password"},
		{"password without user", Options{Endpoints: ep, Password: "p"}, "-etcd-username"},
		{"CA file with http", Options{Endpoints: ep, CAFile: notPEM}, "-etcd-ca-file"},
		{"missing CA file", Options{Endpoints: []string{"https://h:2379"}, CAFile: filepath.Join(dir, "none")}, "-etcd-ca-file"},
		{"CA file without certificate", Options{Endpoints: []string{"https://h:2379"}, CAFile: notPEM}, "no PEM certificate"},
		{"cert without key", Options{Endpoints: []string{"https://h:2379"}, CertFile: notPEM}, "-etcd-key-file"},
		{"bad client certificate", Options{Endpoints: []string{"https://h:2379"}, CertFile: notPEM, KeyFile: notPEM}, "-etcd-cert-file"},
		{"backoff bounds reversed", Options{Endpoints: ep, MinBackoff: time.Second, MaxBackoff: time.Millisecond}, "MaxBackoff"},
		{"valid", Options{Endpoints: []string{"http://a:2379", "http://b:2379"}}, ""},
		{"https insecure", Options{Endpoints: []string{"https://a:2379"}, Insecure: true}, ""},
		{"insecure with http is harmless", Options{Endpoints: ep, Insecure: true}, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := tc.o.check()
			switch {
			case tc.err == "" && err != nil:
				t.Fatalf("unexpected error: %v", err)
			case tc.err != "" && err == nil:
				t.Fatalf("no error, want one containing %q", tc.err)
			case tc.err != "" && !strings.Contains(err.Error(), tc.err):
				t.Fatalf("error %q does not contain %q", err, tc.err)
			}
		})
	}
}

func TestOptionsDefaults(t *testing.T) {
	c, err := Options{Endpoints: []string{"https://a:2379"}, Prefix: "/custom/", Timeout: -1}.check()
	if err != nil {
		t.Fatal(err)
	}
	if c.routes != "/custom/routes/" || c.DialTimeout != DefaultDialTimeout || c.Timeout >= 0 ||
		c.heartbeat != DefaultTimeout || c.BatchDelay != DefaultBatchDelay || c.tls == nil || c.Log == nil {
		t.Fatalf("defaults not applied: %+v", c)
	}
	c, err = Options{Endpoints: []string{"http://a:2379"}}.check()
	if err != nil {
		t.Fatal(err)
	}
	if c.routes != DefaultPrefix+"/routes/" || c.Timeout != DefaultTimeout || c.tls != nil {
		t.Fatalf("defaults not applied: %+v", c)
	}
}

func TestEmbeddedClientAddress(t *testing.T) {
	for _, tc := range []struct{ addr, want, err string }{
		{"127.0.0.1:2379", "http://127.0.0.1:2379", ""},
		{"localhost:2379", "http://127.0.0.1:2379", ""},
		{"[::1]:2379", "http://[::1]:2379", ""},
		{"0.0.0.0:2379", "", "want a loopback address"},
		{"10.0.0.1:2379", "", "want a loopback address"},
		{"127.0.0.1", "", "want host:port"},
		{"127.0.0.1:0", "", "port must be 1-65535"},
	} {
		u, err := loopbackURL(tc.addr)
		if tc.err != "" {
			if err == nil || !strings.Contains(err.Error(), tc.err) {
				t.Errorf("%s: %v, want an error with %q", tc.addr, err, tc.err)
			}
			continue
		}
		if err != nil || u.String() != tc.want {
			t.Errorf("%s: %v %v, want %s", tc.addr, u, err, tc.want)
		}
	}
}

func TestEmbeddedAtTakenAddress(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	_, err = StartEmbeddedAt(t.TempDir(), ln.Addr().String(), nil)
	if err == nil || !strings.Contains(err.Error(), "is taken") {
		t.Errorf("starting on a taken address: %v", err)
	}
}
