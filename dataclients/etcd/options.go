package etcd

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net/url"
	"os"
	"strings"
	"time"

	"github.com/sirupsen/logrus"
)

// Defaults of Options.
const (
	DefaultPrefix      = "/skipper"
	DefaultTimeout     = time.Second
	DefaultDialTimeout = 5 * time.Second
	DefaultMinBackoff  = 100 * time.Millisecond
	DefaultMaxBackoff  = 10 * time.Second
	DefaultBatchDelay  = 10 * time.Millisecond
)

// Options configure a Client. The zero value of a field means its default.
type Options struct {
	// Endpoints are the etcd members, http://host:port or
	// https://host:port, all of one scheme. Required.
	Endpoints []string
	// Prefix is the key prefix; routes are the keys <Prefix>/routes/<id>.
	// Default DefaultPrefix. A trailing "/" is dropped.
	Prefix string
	// Timeout limits every request (one page of a read, a write
	// transaction) and paces the watch's heartbeat: after a Timeout
	// without a word from etcd, Run asks for a progress report, and it
	// takes the watch for lost when three in a row went unanswered
	// (after about four Timeouts). Default DefaultTimeout; negative means
	// no limit per request (the heartbeat then uses DefaultTimeout).
	Timeout time.Duration
	// DialTimeout limits connecting to a member and logging in (with
	// Username). Default DefaultDialTimeout; negative means no limit.
	DialTimeout time.Duration
	// Insecure skips verifying the members' TLS certificates.
	Insecure bool
	// Username and Password log in to etcd (etcd v3 authentication).
	Username, Password string
	// CAFile holds the PEM certificates that the members' certificates
	// are verified with, instead of the system's. CertFile and KeyFile
	// are a client certificate and its key (PEM), given together. They
	// need https endpoints.
	CAFile, CertFile, KeyFile string
	// Log receives problems (etcd out of reach, bad values) and notable
	// events. Default: logrus' standard logger.
	Log logrus.FieldLogger
	// MinBackoff and MaxBackoff bound the wait between attempts to reach
	// etcd again after a failure; the wait doubles from MinBackoff up to
	// MaxBackoff, with jitter. Defaults DefaultMinBackoff and
	// DefaultMaxBackoff.
	MinBackoff, MaxBackoff time.Duration
	// BatchDelay is how long Run waits after a change for more before it
	// pushes them together, never delaying the first change by more than
	// ten times BatchDelay: a burst of writes becomes a few Updates, and
	// each Update rebuilds the routing table. Default DefaultBatchDelay;
	// negative means only the changes already received are pushed along.
	BatchDelay time.Duration
}

// config is Options validated, with defaults in place.
type config struct {
	Options
	routes    string // <prefix>/routes/
	tls       *tls.Config
	heartbeat time.Duration
	pageSize  int64 // keys per read request; pageSize, or smaller in tests
}

// check validates o and fills in defaults. Errors name the option and the
// command-line flag that sets it.
func (o Options) check() (*config, error) {
	c := &config{Options: o, pageSize: pageSize}
	c.Endpoints = append([]string(nil), o.Endpoints...)
	if len(c.Endpoints) == 0 {
		return nil, errors.New("etcd: no endpoint given (Endpoints, -etcd-urls)")
	}
	scheme := ""
	for i, ep := range c.Endpoints {
		s, err := checkEndpoint(ep)
		if err != nil {
			return nil, fmt.Errorf("etcd: endpoint %q (Endpoints, -etcd-urls): %w", ep, err)
		}
		if i > 0 && s != scheme {
			return nil, fmt.Errorf("etcd: endpoints mix http and https (Endpoints, -etcd-urls): %s", strings.Join(c.Endpoints, ","))
		}
		scheme = s
	}

	if c.Prefix == "" {
		c.Prefix = DefaultPrefix
	}
	c.Prefix = strings.TrimRight(c.Prefix, "/")
	c.routes = c.Prefix + "/routes/"

	if c.Timeout == 0 {
		c.Timeout = DefaultTimeout
	}
	c.heartbeat = c.Timeout
	if c.heartbeat < 0 {
		c.heartbeat = DefaultTimeout
	}
	if c.DialTimeout == 0 {
		c.DialTimeout = DefaultDialTimeout
	}
	if c.MinBackoff <= 0 {
		c.MinBackoff = DefaultMinBackoff
	}
	if c.MaxBackoff <= 0 {
		c.MaxBackoff = DefaultMaxBackoff
	}
	if c.MaxBackoff < c.MinBackoff {
		return nil, fmt.Errorf("etcd: MaxBackoff %v is less than MinBackoff %v", c.MaxBackoff, c.MinBackoff)
	}
	if c.BatchDelay == 0 {
		c.BatchDelay = DefaultBatchDelay
	}
	if c.Log == nil {
		c.Log = logrus.StandardLogger()
	}
	if (c.Username == "") != (c.Password == "") {
		return nil, errors.New("etcd: a user name needs a password and a password a user name (Username, Password; -etcd-username, -etcd-password)")
	}

	var err error
	if c.tls, err = o.tlsConfig(scheme == "https"); err != nil {
		return nil, err
	}
	return c, nil
}

func checkEndpoint(ep string) (scheme string, err error) {
	u, err := url.Parse(ep)
	if err == nil && u.Scheme != "http" && u.Scheme != "https" {
		err = errors.New("no http:// or https://")
	}
	if err != nil {
		return "", fmt.Errorf("not an http:// or https:// URL (such as http://127.0.0.1:2379): %w", err)
	}
	if u.Host == "" {
		return "", errors.New("no host")
	}
	if (u.Path != "" && u.Path != "/") || u.RawQuery != "" || u.User != nil {
		return "", errors.New("only scheme, host and port are allowed")
	}
	return u.Scheme, nil
}

// tlsConfig is the TLS setup for https endpoints, nil for http.
func (o Options) tlsConfig(https bool) (*tls.Config, error) {
	if !https {
		for _, f := range []struct{ name, value string }{
			{"CAFile, -etcd-ca-file", o.CAFile},
			{"CertFile, -etcd-cert-file", o.CertFile},
			{"KeyFile, -etcd-key-file", o.KeyFile},
		} {
			if f.value != "" {
				return nil, fmt.Errorf("etcd: a TLS file is given (%s) but the endpoints are http://, not https://", f.name)
			}
		}
		return nil, nil
	}
	c := &tls.Config{MinVersion: tls.VersionTLS12, InsecureSkipVerify: o.Insecure}
	if o.CAFile != "" {
		pem, err := os.ReadFile(o.CAFile)
		if err != nil {
			return nil, fmt.Errorf("etcd: CA file (CAFile, -etcd-ca-file): %w", err)
		}
		c.RootCAs = x509.NewCertPool()
		if !c.RootCAs.AppendCertsFromPEM(pem) {
			return nil, fmt.Errorf("etcd: CA file %s (CAFile, -etcd-ca-file): no PEM certificate in it", o.CAFile)
		}
	}
	if (o.CertFile == "") != (o.KeyFile == "") {
		return nil, errors.New("etcd: a client certificate needs its key and a key its certificate (CertFile, KeyFile; -etcd-cert-file, -etcd-key-file)")
	}
	if o.CertFile != "" {
		cert, err := tls.LoadX509KeyPair(o.CertFile, o.KeyFile)
		if err != nil {
			return nil, fmt.Errorf("etcd: client certificate (CertFile, KeyFile; -etcd-cert-file, -etcd-key-file): %w", err)
		}
		c.Certificates = []tls.Certificate{cert}
	}
	return c, nil
}
