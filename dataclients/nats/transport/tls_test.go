package transport

import (
	"os"
	"strings"
	"testing"

	"github.com/skiff-proxy/skiff/dataclients/nats/natstest"
)

func TestTLSConfigErrors(t *testing.T) {
	certs := natstest.NewCerts(t)
	tests := []struct {
		name          string
		ca, cert, key []byte
		files         [3]string
		err           string
	}{
		{name: "CA not PEM", ca: []byte("x"), err: "nats.ca_certs"},
		{name: "certificate without key", cert: certs.ClientCertPEM, err: "go together"},
		{name: "key without certificate", key: certs.ClientKeyPEM, err: "go together"},
		{name: "key of another certificate", cert: certs.ClientCertPEM, key: mustRead(t, certs.ServerKeyFile), err: "nats.cert_chain, nats.private_key"},
		{name: "missing CA file", files: [3]string{"/nonexistent/ca.pem"}, err: "CA file"},
		{name: "missing key file", files: [3]string{"", certs.ClientCertFile, "/nonexistent/key.pem"}, err: "key file"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var err error
			if tt.files != [3]string{} {
				_, err = TLSFromFiles(tt.files[0], tt.files[1], tt.files[2])
			} else {
				_, err = TLSFromPEM(tt.ca, tt.cert, tt.key)
			}
			if err == nil || !strings.Contains(err.Error(), tt.err) {
				t.Errorf("error %v, want one about %q", err, tt.err)
			}
		})
	}
	c, err := TLSFromPEM(nil, nil, nil)
	if err != nil || c.RootCAs != nil || len(c.Certificates) != 0 {
		t.Errorf("no PEM: %+v, %v; want the system's roots and no certificate", c, err)
	}
}

func mustRead(t *testing.T, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(name)
	if err != nil {
		t.Fatal(err)
	}
	return b
}
