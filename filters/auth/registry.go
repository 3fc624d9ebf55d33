package auth

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"sync"
	"time"

	"github.com/skiff-proxy/skiff/filters"
)

// Options configure a Registry. The zero value of a field means its
// default.
type Options struct {
	// TokeninfoURL is the tokeninfo endpoint of the oauthTokeninfo*
	// filters (skipper's -oauth2-tokeninfo-url). Empty: those filters
	// refuse to be created.
	TokeninfoURL string
	// TokeninfoTimeout bounds one tokeninfo request, body included;
	// default 2 s (-oauth2-tokeninfo-timeout).
	TokeninfoTimeout time.Duration
	// TokeninfoCacheSize is the number of tokeninfo answers kept; 0
	// disables the cache (-oauth2-tokeninfo-cache-size). An answer is kept
	// for its expires_in seconds, and only when it has them.
	TokeninfoCacheSize int
	// TokeninfoCacheTTL, when above zero, keeps an answer at most this
	// long (-oauth2-tokeninfo-cache-ttl).
	TokeninfoCacheTTL time.Duration

	// JWKSRefreshInterval is how often a key set is fetched again;
	// default one hour.
	JWKSRefreshInterval time.Duration
	// JWKSRefreshRateLimit is the shortest time between two fetches of a
	// key set caused by tokens with an unknown key id; default 5 minutes.
	JWKSRefreshRateLimit time.Duration
	// FetchTimeout bounds one fetch of a key set or of an issuer's OpenID
	// configuration; default 10 s.
	FetchTimeout time.Duration
	// MaxResponseSize bounds the body of a key set, an OpenID
	// configuration or a tokeninfo answer; default 1 MiB. A larger one is
	// an error.
	MaxResponseSize int64

	// Transport replaces the HTTP transport of every request the registry
	// makes (tests, custom TLS). Close does not close its idle
	// connections then.
	Transport http.RoundTripper
	// Log receives the errors of background key-set refreshes. Default:
	// discarded.
	Log filters.Logger
	// Now returns the current time (cache expiry); default time.Now.
	Now func() time.Time
}

const (
	defaultTokeninfoTimeout = 2 * time.Second
	defaultRefreshInterval  = time.Hour
	defaultRefreshRateLimit = 5 * time.Minute
	defaultFetchTimeout     = 10 * time.Second
	defaultMaxResponseSize  = 1 << 20
	defaultMaxIdleConns     = 64
)

// Registry holds what the auth filters share across routes and routing
// table generations: the JWKS key sets (each refreshed by a goroutine of
// its own while some filter uses it), the issuers' discovered key-set
// addresses, and the tokeninfo client with its cache. Create it with
// NewRegistry, pass it to Specs, and Close it after the last routing
// table that uses its filters.
type Registry struct {
	o         Options
	client    *http.Client
	transport *http.Transport // nil when Options.Transport was given

	ctx    context.Context
	cancel context.CancelFunc
	wg     sync.WaitGroup

	mu       sync.Mutex
	closed   bool
	sets     map[string]*keySet
	issuers  map[string]*issuer
	failures map[string]failure

	tokeninfo *tokeninfoClient
}

// failure remembers a failed first fetch for a while, so that a routing
// table with many routes using one unreachable key set does not wait for
// each of them.
type failure struct {
	at  time.Time
	err error
}

// failureMemory is how long a failed first fetch is remembered.
var failureMemory = 10 * time.Second

// NewRegistry returns a Registry ready to use.
func NewRegistry(o Options) *Registry {
	if o.TokeninfoTimeout <= 0 {
		o.TokeninfoTimeout = defaultTokeninfoTimeout
	}
	if o.JWKSRefreshInterval <= 0 {
		o.JWKSRefreshInterval = defaultRefreshInterval
	}
	if o.JWKSRefreshRateLimit <= 0 {
		o.JWKSRefreshRateLimit = defaultRefreshRateLimit
	}
	if o.FetchTimeout <= 0 {
		o.FetchTimeout = defaultFetchTimeout
	}
	if o.MaxResponseSize <= 0 {
		o.MaxResponseSize = defaultMaxResponseSize
	}
	if o.Log == nil {
		o.Log = discardLog{}
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	r := &Registry{
		o:        o,
		sets:     map[string]*keySet{},
		issuers:  map[string]*issuer{},
		failures: map[string]failure{},
	}
	rt := o.Transport
	if rt == nil {
		timeout := max(o.FetchTimeout, o.TokeninfoTimeout)
		r.transport = &http.Transport{
			Proxy:                 http.ProxyFromEnvironment,
			DialContext:           (&net.Dialer{Timeout: timeout, KeepAlive: 30 * time.Second}).DialContext,
			TLSHandshakeTimeout:   timeout,
			ResponseHeaderTimeout: timeout,
			MaxIdleConnsPerHost:   defaultMaxIdleConns,
			IdleConnTimeout:       90 * time.Second,
			ForceAttemptHTTP2:     true,
		}
		rt = r.transport
	}
	r.client = &http.Client{Transport: rt}
	r.ctx, r.cancel = context.WithCancel(context.Background())
	if o.TokeninfoURL != "" {
		r.tokeninfo = newTokeninfoClient(r)
	}
	return r
}

// Close stops every key-set refresh and waits for the goroutines, and
// closes idle connections. Filters created before keep working with the
// keys and cache they have, but fetch nothing more. Close is idempotent.
func (r *Registry) Close() error {
	r.mu.Lock()
	already := r.closed
	r.closed = true
	sets := r.sets
	r.sets = map[string]*keySet{}
	r.mu.Unlock()
	if already {
		return nil
	}
	r.cancel()
	for _, ks := range sets {
		ks.stopOnce.Do(func() { close(ks.stop) })
	}
	r.wg.Wait()
	if r.transport != nil {
		r.transport.CloseIdleConnections()
	}
	return nil
}

// goroutine runs f in a goroutine that Close waits for; false when the
// registry is closed and f was not started.
func (r *Registry) goroutine(f func()) bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.closed {
		return false
	}
	r.wg.Add(1)
	go func() {
		defer r.wg.Done()
		f()
	}()
	return true
}

var errTooLarge = errors.New("response too large")

// getJSON fetches url with GET and decodes its JSON body into v. The
// request ends with ctx, after timeout, or when the registry closes.
func (r *Registry) getJSON(ctx context.Context, url string, header http.Header, timeout time.Duration, v any) (status int, err error) {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	stop := context.AfterFunc(r.ctx, cancel)
	defer stop()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return 0, err
	}
	for k, vs := range header {
		req.Header[k] = vs
	}
	req.Header.Set("Accept", "application/json")
	rsp, err := r.client.Do(req)
	if err != nil {
		return 0, err
	}
	defer rsp.Body.Close()
	if rsp.StatusCode != http.StatusOK {
		// read a little so that the connection can be reused
		_, _ = io.CopyN(io.Discard, rsp.Body, 4<<10)
		return rsp.StatusCode, fmt.Errorf("GET %s: status %d", url, rsp.StatusCode)
	}
	body, err := io.ReadAll(io.LimitReader(rsp.Body, r.o.MaxResponseSize+1))
	if err != nil {
		return rsp.StatusCode, fmt.Errorf("GET %s: %w", url, err)
	}
	if int64(len(body)) > r.o.MaxResponseSize {
		return rsp.StatusCode, fmt.Errorf("GET %s: %w (more than %d bytes)", url, errTooLarge, r.o.MaxResponseSize)
	}
	if err := json.Unmarshal(body, v); err != nil {
		return rsp.StatusCode, fmt.Errorf("GET %s: %w", url, err)
	}
	return rsp.StatusCode, nil
}

type discardLog struct{}

func (discardLog) Debugf(string, ...any) {}
func (discardLog) Infof(string, ...any)  {}
func (discardLog) Warnf(string, ...any)  {}
func (discardLog) Errorf(string, ...any) {}
