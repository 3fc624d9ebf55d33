package settings

import (
	"crypto/tls"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/sirupsen/logrus"
)

// DefaultClientTLSCertRefreshInterval is how old the client certificate
// of EnableMTLS may get before it is read again (skipper's).
const DefaultClientTLSCertRefreshInterval = 5 * time.Minute

// ParseTLSVersion reads a -tls-min-version value: 1.0, 1.1, 1.2 or 1.3,
// or the same without the dot, as skipper does.
func ParseTLSVersion(s string) (uint16, error) {
	switch s {
	case "1.3", "13":
		return tls.VersionTLS13, nil
	case "1.2", "12":
		return tls.VersionTLS12, nil
	case "1.1", "11":
		return tls.VersionTLS11, nil
	case "1.0", "10":
		return tls.VersionTLS10, nil
	}
	return 0, fmt.Errorf("%q is not a TLS version (1.0, 1.1, 1.2 or 1.3)", s)
}

// TLSVersionName is the -tls-min-version spelling of v.
func TLSVersionName(v uint16) string {
	switch v {
	case tls.VersionTLS13:
		return "1.3"
	case tls.VersionTLS12:
		return "1.2"
	case tls.VersionTLS11:
		return "1.1"
	case tls.VersionTLS10:
		return "1.0"
	}
	return fmt.Sprintf("0x%04x", v)
}

// ParseTLSClientAuth reads a -tls-client-auth value, the names of Go's
// tls.ClientAuthType constants.
func ParseTLSClientAuth(s string) (tls.ClientAuthType, error) {
	for _, a := range []tls.ClientAuthType{tls.NoClientCert, tls.RequestClientCert, tls.RequireAnyClientCert,
		tls.VerifyClientCertIfGiven, tls.RequireAndVerifyClientCert} {
		if a.String() == s {
			return a, nil
		}
	}
	return 0, fmt.Errorf("%q: want NoClientCert, RequestClientCert, RequireAnyClientCert, VerifyClientCertIfGiven or RequireAndVerifyClientCert", s)
}

// loadKeyPairs loads comma-separated certificate and key files, paired in
// order.
func loadKeyPairs(certFiles, keyFiles string) ([]tls.Certificate, error) {
	certs, keys := splitList(certFiles), splitList(keyFiles)
	if len(certs) != len(keys) {
		return nil, fmt.Errorf("%d certificate files but %d key files", len(certs), len(keys))
	}
	pairs := make([]tls.Certificate, 0, len(certs))
	for i := range certs {
		p, err := tls.LoadX509KeyPair(certs[i], keys[i])
		if err != nil {
			return nil, fmt.Errorf("%s and %s: %w", certs[i], keys[i], err)
		}
		pairs = append(pairs, p)
	}
	return pairs, nil
}

func splitList(s string) []string {
	var l []string
	for _, e := range strings.Split(s, ",") {
		if e = strings.TrimSpace(e); e != "" {
			l = append(l, e)
		}
	}
	return l
}

// serverTLS is the proxy listener's TLS configuration besides what
// proxy/inbound adds (the protocols offered by ALPN): every certificate
// of TLSCert/TLSKey, the minimum version, the client certificate policy
// and the key log. nil without certificates.
func serverTLS(o *Options) (*tls.Config, error) {
	if o.TLSCert == "" && o.TLSKey == "" {
		return nil, nil
	}
	certs, err := loadKeyPairs(o.TLSCert, o.TLSKey)
	if err != nil {
		return nil, err
	}
	if len(certs) == 0 {
		return nil, errors.New("no certificate file")
	}
	return &tls.Config{
		Certificates: certs,
		MinVersion:   minTLSVersion(o.TLSMinVersion),
		ClientAuth:   o.TLSClientAuth,
		KeyLogWriter: o.TLSKeyLogWriter,
	}, nil
}

func minTLSVersion(v uint16) uint16 {
	if v == 0 {
		return tls.VersionTLS12
	}
	return v
}

// clientCerts sets the client certificates of https backends on cfg.
func clientCerts(cfg *tls.Config, o *Options, log logrus.FieldLogger) error {
	if o.ClientTLSCert == "" && o.ClientTLSKey == "" {
		if o.EnableMTLS {
			return errors.New("-enable-mtls needs -client-tls-cert and -client-tls-key")
		}
		return nil
	}
	if !o.EnableMTLS {
		certs, err := loadKeyPairs(o.ClientTLSCert, o.ClientTLSKey)
		if err != nil {
			return err
		}
		cfg.Certificates = certs
		return nil
	}
	if len(splitList(o.ClientTLSCert)) != 1 || len(splitList(o.ClientTLSKey)) != 1 {
		return errors.New("-enable-mtls takes one certificate and one key file")
	}
	r, err := newCertReloader(o.ClientTLSCert, o.ClientTLSKey, o.ClientTLSCertRefreshInterval, time.Now, log)
	if err != nil {
		return err
	}
	cfg.GetClientCertificate = r.get
	return nil
}

// certReloader hands out a client certificate and reads its files again
// when it is older than the interval, on the handshake that finds it so:
// no goroutine. A failed read keeps the certificate in use and is logged;
// the next handshake after another interval tries again.
type certReloader struct {
	certFile, keyFile string
	interval          time.Duration
	now               func() time.Time
	log               logrus.FieldLogger

	mu     sync.Mutex
	cert   *tls.Certificate
	loaded time.Time
}

func newCertReloader(certFile, keyFile string, interval time.Duration, now func() time.Time, log logrus.FieldLogger) (*certReloader, error) {
	if interval <= 0 {
		interval = DefaultClientTLSCertRefreshInterval
	}
	cert, err := tls.LoadX509KeyPair(certFile, keyFile)
	if err != nil {
		return nil, fmt.Errorf("%s and %s: %w", certFile, keyFile, err)
	}
	return &certReloader{certFile: certFile, keyFile: keyFile, interval: interval, now: now, log: log, cert: &cert, loaded: now()}, nil
}

func (r *certReloader) get(*tls.CertificateRequestInfo) (*tls.Certificate, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if now := r.now(); now.Sub(r.loaded) >= r.interval {
		r.loaded = now
		cert, err := tls.LoadX509KeyPair(r.certFile, r.keyFile)
		if err != nil {
			if r.log != nil {
				r.log.Errorf("client certificate %s: %v; keeping the one loaded before", r.certFile, err)
			}
		} else {
			r.cert = &cert
		}
	}
	return r.cert, nil
}
