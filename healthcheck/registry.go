package healthcheck

import (
	"crypto/tls"
	"io"
	"sort"
	"sync"
	"sync/atomic"
	"time"

	"github.com/sirupsen/logrus"
)

// Defaults of Config.
const (
	DefaultDeadTTL      = 10 * time.Second
	DefaultForgetAfter  = time.Minute
	DefaultProbePath    = "/"
	DefaultProbeTimeout = 3 * time.Second
)

// Config configures a Registry. The zero value is usable: dead marks
// expire after DefaultDeadTTL, no passive or active checks.
type Config struct {
	// DeadTTL is how long a dead mark from a failed dial lasts when
	// active checks are off. 0 means DefaultDeadTTL; negative means
	// marks never expire by time.
	DeadTTL time.Duration
	// ForgetAfter is how long an endpoint no routing table uses is kept
	// (its age and counters survive a short absence). 0 means
	// DefaultForgetAfter.
	ForgetAfter time.Duration
	// Passive enables the passive health check; nil leaves it off.
	Passive *PassiveConfig
	// Active configures probes; an Interval of 0 leaves them off.
	Active ActiveConfig
	// Log receives state changes and probe errors; nil discards.
	Log logrus.FieldLogger
	// Now is the clock (tests); nil means time.Now.
	Now func() time.Time
}

// ActiveConfig configures active health probes.
type ActiveConfig struct {
	// Interval between probe rounds; 0 disables probing.
	Interval time.Duration
	// Path probed with GET; "" means DefaultProbePath.
	Path string
	// Timeout of one probe; 0 means DefaultProbeTimeout.
	Timeout time.Duration
	// TLS is the client configuration of probes to https endpoints; the
	// process passes the one its backend transport uses (for -insecure
	// or client certificates). nil means net/http's default.
	TLS *tls.Config
}

// Registry holds the endpoints by host:port.
type Registry struct {
	cfg Config
	log logrus.FieldLogger

	mu sync.RWMutex
	m  map[string]*Endpoint

	counts  counters
	running atomic.Bool // Run was called
	fresh   freshQueue  // endpoints created since the last probe round
}

// New returns an empty registry.
func New(cfg Config) *Registry {
	if cfg.DeadTTL == 0 {
		cfg.DeadTTL = DefaultDeadTTL
	}
	if cfg.ForgetAfter <= 0 {
		cfg.ForgetAfter = DefaultForgetAfter
	}
	if cfg.Active.Path == "" {
		cfg.Active.Path = DefaultProbePath
	}
	if cfg.Active.Timeout <= 0 {
		cfg.Active.Timeout = DefaultProbeTimeout
	}
	log := cfg.Log
	if log == nil {
		l := logrus.New()
		l.SetOutput(io.Discard)
		log = l
	}
	return &Registry{cfg: cfg, log: log, m: map[string]*Endpoint{}, fresh: newFreshQueue()}
}

// Config returns the registry's configuration with defaults filled in.
func (r *Registry) Config() Config { return r.cfg }

// Log is where the registry and its users report state changes.
func (r *Registry) Log() logrus.FieldLogger { return r.log }

func (r *Registry) now() time.Time {
	if r.cfg.Now != nil {
		return r.cfg.Now()
	}
	return time.Now()
}

// Endpoint returns the endpoint for hostport, creating it (detected now)
// if it is new. scheme is recorded on creation for active probes.
func (r *Registry) Endpoint(scheme, hostport string) *Endpoint {
	r.mu.RLock()
	e := r.m[hostport]
	if e != nil {
		// Under the lock: the sweep, which deletes under the write lock,
		// then sees this use and cannot forget an endpoint being handed out.
		e.lastSeen.Store(r.now().UnixNano())
	}
	r.mu.RUnlock()
	if e != nil {
		return e
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if e = r.m[hostport]; e == nil {
		e = newEndpoint(r, scheme, hostport, r.now())
		r.m[hostport] = e
		if r.cfg.Active.Interval > 0 {
			r.fresh.add(e)
		}
	}
	return e
}

// Lookup returns the endpoint for hostport, or nil.
func (r *Registry) Lookup(hostport string) *Endpoint {
	r.mu.RLock()
	defer r.mu.RUnlock()
	return r.m[hostport]
}

// Endpoints returns every endpoint, sorted by address.
func (r *Registry) Endpoints() []*Endpoint {
	out := r.all()
	sort.Slice(out, func(i, j int) bool { return out[i].addr < out[j].addr })
	return out
}

// all returns every endpoint, in no order.
func (r *Registry) all() []*Endpoint {
	r.mu.RLock()
	defer r.mu.RUnlock()
	out := make([]*Endpoint, 0, len(r.m))
	for _, e := range r.m {
		out = append(out, e)
	}
	return out
}

// transition logs a state change. It is called outside the endpoint's
// lock.
func (r *Registry) transition(e *Endpoint, from, to State, reason string) {
	l := r.log.WithFields(logrus.Fields{"endpoint": e.addr, "from": from.String(), "to": to.String()})
	if to == Healthy {
		l.Info("endpoint " + e.addr + " is healthy again: " + reason)
		return
	}
	l.Warn("endpoint " + e.addr + " is " + to.String() + ": " + reason)
}
