package natstest

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"math/big"
	"net"
	"os"
	"path/filepath"
	"testing"
	"time"
)

// Certs are a CA made for a test and certificates it signed: one for a
// server at 127.0.0.1 and localhost, one for a client. Each is also a PEM
// file in the test's temporary directory, as operators give them.
type Certs struct {
	CAFile                        string
	ServerCertFile, ServerKeyFile string
	ClientCertFile, ClientKeyFile string

	CAPEM, ClientCertPEM, ClientKeyPEM []byte

	pool   *x509.CertPool
	client tls.Certificate
	ca     *x509.Certificate
	caKey  *ecdsa.PrivateKey
	serial int64
}

// NewCerts makes a CA and the server and client certificates, valid for
// an hour.
func NewCerts(t testing.TB) *Certs {
	t.Helper()
	dir := t.TempDir()
	now := time.Now()
	caKey, _ := newKey(t) // the CA's key stays in memory
	caTmpl := &x509.Certificate{
		SerialNumber:          big.NewInt(1),
		Subject:               pkix.Name{CommonName: "natstest CA"},
		NotBefore:             now.Add(-time.Minute),
		NotAfter:              now.Add(time.Hour),
		IsCA:                  true,
		BasicConstraintsValid: true,
		KeyUsage:              x509.KeyUsageCertSign | x509.KeyUsageDigitalSignature,
	}
	caDER, err := x509.CreateCertificate(rand.Reader, caTmpl, caTmpl, &caKey.PublicKey, caKey)
	if err != nil {
		t.Fatalf("natstest: CA certificate: %v", err)
	}
	ca, err := x509.ParseCertificate(caDER)
	if err != nil {
		t.Fatalf("natstest: CA certificate: %v", err)
	}
	c := &Certs{pool: x509.NewCertPool(), ca: ca, caKey: caKey, serial: 1}
	c.pool.AddCert(ca)
	c.CAPEM = pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: caDER})
	c.CAFile = write(t, dir, "ca.pem", c.CAPEM)

	srvCert, srvKey := c.leaf(t, "natstest server", x509.ExtKeyUsageServerAuth, []net.IP{net.IPv4(127, 0, 0, 1)}, []string{"localhost"})
	c.ServerCertFile = write(t, dir, "server.pem", srvCert)
	c.ServerKeyFile = write(t, dir, "server-key.pem", srvKey)
	c.ClientCertPEM, c.ClientKeyPEM = c.leaf(t, "natstest client", x509.ExtKeyUsageClientAuth, nil, nil)
	c.ClientCertFile = write(t, dir, "client.pem", c.ClientCertPEM)
	c.ClientKeyFile = write(t, dir, "client-key.pem", c.ClientKeyPEM)
	c.client, err = tls.X509KeyPair(c.ClientCertPEM, c.ClientKeyPEM)
	if err != nil {
		t.Fatalf("natstest: client certificate: %v", err)
	}
	return c
}

// leaf makes a certificate signed by the CA, valid from a minute ago for
// an hour.
func (c *Certs) leaf(t testing.TB, name string, usage x509.ExtKeyUsage, ips []net.IP, dns []string) (certPEM, keyPEM []byte) {
	t.Helper()
	key, keyPEM := newKey(t)
	c.serial++
	now := time.Now()
	der, err := x509.CreateCertificate(rand.Reader, &x509.Certificate{
		SerialNumber: big.NewInt(c.serial),
		Subject:      pkix.Name{CommonName: name},
		NotBefore:    now.Add(-time.Minute),
		NotAfter:     now.Add(time.Hour),
		KeyUsage:     x509.KeyUsageDigitalSignature,
		ExtKeyUsage:  []x509.ExtKeyUsage{usage},
		IPAddresses:  ips,
		DNSNames:     dns,
	}, c.ca, &key.PublicKey, c.caKey)
	if err != nil {
		t.Fatalf("natstest: %s certificate: %v", name, err)
	}
	return pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), keyPEM
}

// ServerCert is a server certificate signed by the CA for the DNS names
// only: what a Cloud Foundry app instance presents (its
// server_cert_domain_san), without the IP it listens on. Not safe for
// concurrent use with itself.
func (c *Certs) ServerCert(t testing.TB, dnsNames ...string) tls.Certificate {
	t.Helper()
	certPEM, keyPEM := c.leaf(t, dnsNames[0], x509.ExtKeyUsageServerAuth, nil, dnsNames)
	cert, err := tls.X509KeyPair(certPEM, keyPEM)
	if err != nil {
		t.Fatalf("natstest: server certificate: %v", err)
	}
	return cert
}

// ClientTLS is a client configuration trusting the CA, presenting the
// client certificate when withCert.
func (c *Certs) ClientTLS(withCert bool) *tls.Config {
	tc := &tls.Config{RootCAs: c.pool, MinVersion: tls.VersionTLS12}
	if withCert {
		tc.Certificates = []tls.Certificate{c.client}
	}
	return tc
}

func newKey(t testing.TB) (*ecdsa.PrivateKey, []byte) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatalf("natstest: key: %v", err)
	}
	der, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		t.Fatalf("natstest: key: %v", err)
	}
	return key, pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der})
}

func write(t testing.TB, dir, name string, b []byte) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, b, 0o600); err != nil {
		t.Fatalf("natstest: %v", err)
	}
	return p
}
