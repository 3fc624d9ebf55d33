package transport

import (
	"crypto/rand"
	"crypto/tls"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/sirupsen/logrus"
)

// Defaults of the zero Config fields.
const (
	// DefaultRegisterInterval is start_response_delay_interval as the BOSH
	// job sets it (the gorouter binary's own default is 5 s): operators
	// coming from Cloud Foundry run the BOSH values (spec §6.1, §15).
	DefaultRegisterInterval = 20 * time.Second
	// DefaultPruneThreshold is droplet_stale_threshold (spec §6.1).
	DefaultPruneThreshold = 120 * time.Second
	// DefaultPendingMsgs and DefaultPendingBytes are gorouter's pending
	// limits of the router.* subscription: 131,072 messages and 131,072 KiB
	// (spec §1, back-pressure).
	DefaultPendingMsgs  = 131072
	DefaultPendingBytes = 131072 * 1024
	// DefaultPingInterval is gorouter's hard-wired nats_client_ping_interval
	// (spec §1); with MaxPingsOutstanding a dead server is noticed after
	// 40-60 s.
	DefaultPingInterval = 20 * time.Second
	// MaxPingsOutstanding is the client library's default, which gorouter
	// keeps (spec §1).
	MaxPingsOutstanding = 2
)

// Initial connect: gorouter tries 3 times, 100 ms apart (spec §1).
const (
	connectTries = 3
	connectPause = 100 * time.Millisecond
)

// Subjects of the gorouter protocol (spec §1, §2).
const (
	SubjectRegister   = "router.register"
	SubjectUnregister = "router.unregister"
	SubjectStart      = "router.start"
	SubjectGreet      = "router.greet"
	// subjectRoutes is the one wildcard subscription gorouter has; never a
	// queue group, as every router must see every message (spec §1).
	subjectRoutes = "router.*"
)

// Config is what Dial needs. The zero values of the durations and limits
// mean the defaults above; Servers is required.
type Config struct {
	// Servers are the NATS servers, each host:port or a URL
	// (nats://host:port, tls://host:port, nats://user:pass@host:port).
	// The client connects to one of them and moves to another when it is
	// lost.
	Servers []string
	// User and Password authenticate at every server (gorouter's nats.user
	// and nats.pass). Credentials in a server's URL take precedence.
	User, Password string
	// TLS, when set, makes every connection TLS (gorouter's
	// nats.tls_enabled); a certificate in it is presented to the server
	// (mTLS). TLSFromPEM and TLSFromFiles build one from gorouter's
	// ca_certs, cert_chain and private_key. A tls:// server without TLS
	// set uses the system roots.
	TLS *tls.Config
	// Index is the router's index, the prefix of the id announced in
	// router.start (spec §2.1). Not negative.
	Index int
	// Host is the IPv4 address announced in router.start's hosts; empty
	// means LocalIPv4, the address of the interface that reaches the
	// outside, as gorouter announces.
	Host string
	// RegisterInterval is start_response_delay_interval, announced as
	// minimumRegisterIntervalInSeconds: how often registrars re-send their
	// routes. 0 means DefaultRegisterInterval.
	RegisterInterval time.Duration
	// PruneThreshold is droplet_stale_threshold, announced as
	// pruneThresholdInSeconds. 0 means DefaultPruneThreshold; when smaller
	// than RegisterInterval, RegisterInterval is used (spec §6.1), see
	// Conn.PruneThreshold.
	PruneThreshold time.Duration
	// PendingMsgs and PendingBytes limit the messages received but not yet
	// handled (EXT: gorouter's are fixed). Past either limit the client
	// drops messages, counted in Stats.Dropped. 0 means the defaults;
	// negative means no limit.
	PendingMsgs, PendingBytes int
	// StartWithoutNATS (EXT) makes Dial return a Conn that keeps trying
	// to connect in the background when the initial connect fails, where
	// gorouter exits.
	StartWithoutNATS bool
	// PingInterval is how often the client pings the server; 0 means
	// DefaultPingInterval.
	PingInterval time.Duration
	// ReconnectWait is the pause before trying a server again after it was
	// lost (EXT); 0 means the client library's 2 s, which gorouter uses.
	ReconnectWait time.Duration
	// Log receives the connection's events; nil means logrus' standard
	// logger.
	Log logrus.FieldLogger
}

// settings is a Config checked and with its defaults filled in.
type settings struct {
	Config
	servers []string // URLs
	start   []byte   // the router.start and router.greet payload
	id      string
}

func (c Config) settings() (*settings, error) {
	s := &settings{Config: c}
	if len(c.Servers) == 0 {
		return nil, errors.New("nats: no servers (Servers)")
	}
	for _, srv := range c.Servers {
		u, err := serverURL(srv)
		if err != nil {
			return nil, fmt.Errorf("nats: server %q (Servers): %w", srv, err)
		}
		s.servers = append(s.servers, u)
	}
	if c.User == "" && c.Password != "" {
		return nil, errors.New("nats: Password without User")
	}
	if c.Index < 0 {
		return nil, fmt.Errorf("nats: Index %d is negative", c.Index)
	}
	for _, d := range []struct {
		name string
		v    *time.Duration
		def  time.Duration
	}{
		{"RegisterInterval", &s.RegisterInterval, DefaultRegisterInterval},
		{"PruneThreshold", &s.PruneThreshold, DefaultPruneThreshold},
		{"PingInterval", &s.PingInterval, DefaultPingInterval},
		{"ReconnectWait", &s.ReconnectWait, 0},
	} {
		switch {
		case *d.v < 0:
			return nil, fmt.Errorf("nats: %s %v is negative", d.name, *d.v)
		case *d.v == 0:
			*d.v = d.def
		}
	}
	// gorouter raises the stale threshold to the register interval when
	// it is smaller, so that routes registered once per interval do not
	// expire between two registrations (spec §6.1, §18 A.4).
	s.PruneThreshold = max(s.PruneThreshold, s.RegisterInterval)
	if s.PendingMsgs == 0 {
		s.PendingMsgs = DefaultPendingMsgs
	}
	if s.PendingBytes == 0 {
		s.PendingBytes = DefaultPendingBytes
	}
	if s.Log == nil {
		s.Log = logrus.StandardLogger()
	}
	s.Log = s.Log.WithField("component", "nats")
	if s.Host == "" {
		s.Host = LocalIPv4()
	} else if ip := net.ParseIP(s.Host); ip == nil || ip.To4() == nil {
		return nil, fmt.Errorf("nats: Host %q is not an IPv4 address", s.Host)
	}
	s.id = strconv.Itoa(c.Index) + "-" + processUUID()
	start, err := json.Marshal(s.startMessage())
	if err != nil {
		return nil, fmt.Errorf("nats: router.start payload: %w", err)
	}
	s.start = start
	return s, nil
}

// serverURL turns host:port into nats://host:port and checks that a URL
// names a host and port, so that a typo is reported by name at start
// rather than as "no servers available" after three tries.
func serverURL(s string) (string, error) {
	if !strings.Contains(s, "://") {
		s = "nats://" + s
	}
	u, err := url.Parse(s)
	if err != nil {
		return "", err
	}
	switch u.Scheme {
	case "nats", "tls":
	default:
		return "", fmt.Errorf("scheme %q: want host:port, nats:// or tls://", u.Scheme)
	}
	if u.Hostname() == "" {
		return "", errors.New("no host")
	}
	if p := u.Port(); p != "" {
		if n, err := strconv.Atoi(p); err != nil || n < 1 || n > 65535 {
			return "", fmt.Errorf("port %q: want 1-65535", p)
		}
	}
	if u.Path != "" && u.Path != "/" || u.RawQuery != "" {
		return "", errors.New("want no path or query")
	}
	return u.String(), nil
}

// redacted lists the servers for messages, without passwords.
func redacted(servers []string) string {
	r := make([]string, len(servers))
	for i, s := range servers {
		r[i] = s
		if u, err := url.Parse(s); err == nil {
			r[i] = u.Redacted()
		}
	}
	return strings.Join(r, ",")
}

// Start is the payload of router.start and of the replies to router.greet
// (spec §2.1). All four keys are always present. The wire key is
// pruneThresholdInSeconds, as gorouter's code sends it: the misspelt
// "prunteThresholdInSeconds" of its documentation was never sent.
type Start struct {
	ID                               string   `json:"id"`
	Hosts                            []string `json:"hosts"`
	MinimumRegisterIntervalInSeconds int      `json:"minimumRegisterIntervalInSeconds"`
	PruneThresholdInSeconds          int      `json:"pruneThresholdInSeconds"`
}

func (s *settings) startMessage() Start {
	// Whole seconds, cut as gorouter's int(d.Seconds()) cuts them.
	return Start{
		ID:                               s.id,
		Hosts:                            []string{s.Host},
		MinimumRegisterIntervalInSeconds: int(s.RegisterInterval / time.Second),
		PruneThresholdInSeconds:          int(s.PruneThreshold / time.Second),
	}
}

// processUUID is the random part of the router id: one per process, so
// that a data client connected again (after a configuration reload, say)
// is still the same router to the registrars (spec §2.1).
var processUUID = sync.OnceValue(newUUID)

// newUUID returns a random (version 4) UUID in its lower-case text form,
// as gorouter's id carries one (RFC 9562 §5.4).
func newUUID() string {
	var b [16]byte
	rand.Read(b[:])         // never fails (crypto/rand's documentation)
	b[6] = b[6]&0x0f | 0x40 // version 4
	b[8] = b[8]&0x3f | 0x80 // variant 10
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:16])
}
