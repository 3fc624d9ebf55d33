package transport

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"os"
)

// TLSFromPEM builds Config.TLS from gorouter's NATS TLS settings, which
// hold PEM text (spec §1, §15): ca is nats.ca_certs, the CAs that sign the
// servers' certificates (empty: the system's roots); certChain and
// privateKey are nats.cert_chain and nats.private_key, the client
// certificate for mTLS (both empty: none). The server name checked is the
// host of the server URL being connected to.
func TLSFromPEM(ca, certChain, privateKey []byte) (*tls.Config, error) {
	c := &tls.Config{MinVersion: tls.VersionTLS12}
	if len(ca) > 0 {
		pool := x509.NewCertPool()
		if !pool.AppendCertsFromPEM(ca) {
			return nil, errors.New("nats: CA certificates (nats.ca_certs): no PEM certificate in them")
		}
		c.RootCAs = pool
	}
	switch {
	case len(certChain) > 0 && len(privateKey) > 0:
		cert, err := tls.X509KeyPair(certChain, privateKey)
		if err != nil {
			return nil, fmt.Errorf("nats: client certificate (nats.cert_chain, nats.private_key): %w", err)
		}
		c.Certificates = []tls.Certificate{cert}
	case len(certChain) > 0 || len(privateKey) > 0:
		return nil, errors.New("nats: client certificate: nats.cert_chain and nats.private_key go together")
	}
	return c, nil
}

// TLSFromFiles is TLSFromPEM with the PEM text read from files; an empty
// name stands for empty text.
func TLSFromFiles(caFile, certFile, keyFile string) (*tls.Config, error) {
	var pem [3][]byte
	for i, f := range [...]struct{ name, option string }{
		{caFile, "CA file"}, {certFile, "certificate file"}, {keyFile, "key file"},
	} {
		if f.name == "" {
			continue
		}
		b, err := os.ReadFile(f.name)
		if err != nil {
			return nil, fmt.Errorf("nats: %s: %w", f.option, err)
		}
		pem[i] = b
	}
	c, err := TLSFromPEM(pem[0], pem[1], pem[2])
	if err != nil {
		return nil, fmt.Errorf("%w (files %q, %q, %q)", err, caFile, certFile, keyFile)
	}
	return c, nil
}
