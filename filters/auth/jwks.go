package auth

import (
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rsa"
	"crypto/x509"
	"encoding/base64"
	"errors"
	"fmt"
	"math/big"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// keySet is the JWKS at one URL. A goroutine fetches it again every
// refresh interval while some filter holds it; a token with an unknown
// key id makes it fetch sooner, at most once per rate-limit period.
type keySet struct {
	reg  *Registry
	url  string
	refs int // guarded by reg.mu

	keys atomic.Pointer[map[string]jwk]

	mu       sync.Mutex
	inflight *fetchCall
	last     time.Time // start of the last fetch

	stop     chan struct{}
	stopOnce sync.Once
}

type fetchCall struct {
	done chan struct{}
	err  error
}

// jwk is one usable verification key of a set.
type jwk struct {
	key crypto.PublicKey
	alg string // the key's "alg", "" when it has none
}

// issuer is an OpenID issuer whose key-set address was discovered.
type issuer struct {
	jwksURL string
	refs    int
}

// acquireIssuer returns the key set of the OpenID issuer, discovered
// from its /.well-known/openid-configuration the first time.
func (r *Registry) acquireIssuer(issuerURL string) (*keySet, error) {
	r.mu.Lock()
	if r.closed {
		r.mu.Unlock()
		return nil, errors.New("auth registry closed")
	}
	if is, ok := r.issuers[issuerURL]; ok {
		is.refs++
		r.mu.Unlock()
		ks, err := r.acquireKeys(is.jwksURL)
		if err != nil {
			r.releaseIssuer(issuerURL)
		}
		return ks, err
	}
	key := "issuer " + issuerURL
	if f, ok := r.failures[key]; ok && r.o.Now().Sub(f.at) < failureMemory {
		r.mu.Unlock()
		return nil, f.err
	}
	r.mu.Unlock()

	var cfg struct {
		JwksURI string `json:"jwks_uri"`
	}
	_, err := r.getJSON(r.ctx, strings.TrimSuffix(issuerURL, "/")+"/.well-known/openid-configuration", nil, r.o.FetchTimeout, &cfg)
	if err == nil && cfg.JwksURI == "" {
		err = errors.New("OpenID configuration has no jwks_uri")
	}
	if err != nil {
		err = fmt.Errorf("discovering the keys of %s: %w", issuerURL, err)
		r.mu.Lock()
		r.failures[key] = failure{r.o.Now(), err}
		r.mu.Unlock()
		return nil, err
	}
	r.mu.Lock()
	is, ok := r.issuers[issuerURL]
	if !ok {
		is = &issuer{jwksURL: cfg.JwksURI}
		r.issuers[issuerURL] = is
	}
	is.refs++
	jwksURL := is.jwksURL
	r.mu.Unlock()
	ks, err := r.acquireKeys(jwksURL)
	if err != nil {
		r.releaseIssuer(issuerURL)
	}
	return ks, err
}

func (r *Registry) releaseIssuer(issuerURL string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if is, ok := r.issuers[issuerURL]; ok {
		if is.refs--; is.refs <= 0 {
			delete(r.issuers, issuerURL)
		}
	}
}

// acquireKeys returns the key set at url, fetching it first when no
// filter holds it yet. Every successful call is paired with release.
func (r *Registry) acquireKeys(url string) (*keySet, error) {
	r.mu.Lock()
	if r.closed {
		r.mu.Unlock()
		return nil, errors.New("auth registry closed")
	}
	if ks, ok := r.sets[url]; ok {
		ks.refs++
		r.mu.Unlock()
		return ks, nil
	}
	key := "jwks " + url
	if f, ok := r.failures[key]; ok && r.o.Now().Sub(f.at) < failureMemory {
		r.mu.Unlock()
		return nil, f.err
	}
	r.mu.Unlock()

	keys, err := r.fetchKeys(url)
	r.mu.Lock()
	defer r.mu.Unlock()
	if err != nil {
		r.failures[key] = failure{r.o.Now(), err}
		return nil, err
	}
	delete(r.failures, key)
	if r.closed {
		return nil, errors.New("auth registry closed")
	}
	if ks, ok := r.sets[url]; ok { // fetched concurrently
		ks.refs++
		return ks, nil
	}
	ks := &keySet{reg: r, url: url, refs: 1, last: r.o.Now(), stop: make(chan struct{})}
	ks.keys.Store(&keys)
	r.sets[url] = ks
	r.wg.Add(1) // under r.mu, with r.closed false
	go func() {
		defer r.wg.Done()
		ks.refreshLoop()
	}()
	return ks, nil
}

// release gives the key set back; the last release stops its refreshes.
func (ks *keySet) release() {
	r := ks.reg
	r.mu.Lock()
	defer r.mu.Unlock()
	if ks.refs--; ks.refs > 0 {
		return
	}
	if r.sets[ks.url] == ks {
		delete(r.sets, ks.url)
	}
	ks.stopOnce.Do(func() { close(ks.stop) })
}

func (ks *keySet) refreshLoop() {
	t := time.NewTicker(ks.reg.o.JWKSRefreshInterval)
	defer t.Stop()
	for {
		select {
		case <-ks.stop:
			return
		case <-ks.reg.ctx.Done():
			return
		case <-t.C:
			if c := ks.startFetch(false); c != nil {
				select {
				case <-c.done:
				case <-ks.stop:
					return
				}
				if c.err != nil {
					ks.reg.o.Log.Errorf("auth: refreshing the key set %s: %v (the keys fetched before stay in use)", ks.url, c.err)
				}
			}
		}
	}
}

// startFetch starts fetching the set again unless a fetch is running
// (then it returns that one) or, for a fetch caused by an unknown key id,
// the last one started less than the rate limit ago (then nil).
func (ks *keySet) startFetch(limited bool) *fetchCall {
	ks.mu.Lock()
	defer ks.mu.Unlock()
	if ks.inflight != nil {
		return ks.inflight
	}
	now := ks.reg.o.Now()
	if limited && now.Sub(ks.last) < ks.reg.o.JWKSRefreshRateLimit {
		return nil
	}
	c := &fetchCall{done: make(chan struct{})}
	started := ks.reg.goroutine(func() {
		keys, err := ks.reg.fetchKeys(ks.url)
		if err == nil {
			ks.keys.Store(&keys)
		}
		ks.mu.Lock()
		c.err = err
		ks.inflight = nil
		ks.mu.Unlock()
		close(c.done)
	})
	if !started {
		return nil
	}
	ks.inflight, ks.last = c, now
	return c
}

// key returns the key with id kid. When there is none it fetches the set
// again (rate limited) and waits for that fetch, at most until ctx ends.
func (ks *keySet) key(ctx context.Context, kid string) (jwk, bool) {
	if k, ok := (*ks.keys.Load())[kid]; ok {
		return k, true
	}
	c := ks.startFetch(true)
	if c == nil {
		return jwk{}, false
	}
	select {
	case <-c.done:
	case <-ctx.Done():
		return jwk{}, false
	}
	k, ok := (*ks.keys.Load())[kid]
	return k, ok
}

// fetchKeys fetches and parses the JWKS at url. Keys it cannot use
// (encryption keys, symmetric keys, unknown types or curves) are left out;
// a set without any usable key is an error.
func (r *Registry) fetchKeys(url string) (map[string]jwk, error) {
	var set struct {
		Keys []jwkJSON `json:"keys"`
	}
	if _, err := r.getJSON(r.ctx, url, nil, r.o.FetchTimeout, &set); err != nil {
		return nil, err
	}
	keys := make(map[string]jwk, len(set.Keys))
	var errs []error
	for i, j := range set.Keys {
		if j.Use != "" && j.Use != "sig" {
			continue
		}
		k, err := j.parse()
		if err != nil {
			errs = append(errs, fmt.Errorf("key %d (kid %q): %w", i, j.Kid, err))
			continue
		}
		if _, dup := keys[j.Kid]; !dup {
			keys[j.Kid] = k
		}
	}
	if len(keys) == 0 {
		if len(errs) > 0 {
			return nil, fmt.Errorf("key set %s has no usable key: %w", url, errors.Join(errs...))
		}
		return nil, fmt.Errorf("key set %s has no usable key", url)
	}
	return keys, nil
}

type jwkJSON struct {
	Kty string   `json:"kty"`
	Kid string   `json:"kid"`
	Use string   `json:"use"`
	Alg string   `json:"alg"`
	Crv string   `json:"crv"`
	N   string   `json:"n"`
	E   string   `json:"e"`
	X   string   `json:"x"`
	Y   string   `json:"y"`
	X5c []string `json:"x5c"`
}

var errUnsupportedKey = errors.New("unsupported key")

func (j jwkJSON) parse() (jwk, error) {
	k := jwk{alg: j.Alg}
	var err error
	switch j.Kty {
	case "RSA":
		if j.N == "" && len(j.X5c) > 0 {
			k.key, err = certKey(j.X5c[0])
			break
		}
		k.key, err = rsaKey(j.N, j.E)
	case "EC":
		if j.X == "" && len(j.X5c) > 0 {
			k.key, err = certKey(j.X5c[0])
			break
		}
		k.key, err = ecKey(j.Crv, j.X, j.Y)
	case "OKP":
		if j.Crv != "Ed25519" {
			return k, fmt.Errorf("%w: OKP curve %q", errUnsupportedKey, j.Crv)
		}
		var x []byte
		if x, err = b64(j.X); err == nil && len(x) != ed25519.PublicKeySize {
			err = errors.New("Ed25519 key of wrong size")
		}
		k.key = ed25519.PublicKey(x)
	default:
		return k, fmt.Errorf("%w: kty %q", errUnsupportedKey, j.Kty)
	}
	return k, err
}

// b64 decodes base64url with or without padding.
func b64(s string) ([]byte, error) {
	return base64.RawURLEncoding.DecodeString(strings.TrimRight(s, "="))
}

func rsaKey(n, e string) (*rsa.PublicKey, error) {
	nb, err := b64(n)
	if err != nil || len(nb) == 0 {
		return nil, errors.New("bad RSA modulus")
	}
	eb, err := b64(e)
	if err != nil || len(eb) == 0 || len(eb) > 4 {
		return nil, errors.New("bad RSA exponent")
	}
	var exp int
	for _, b := range eb {
		exp = exp<<8 | int(b)
	}
	if exp < 3 || exp&1 == 0 {
		return nil, errors.New("bad RSA exponent")
	}
	mod := new(big.Int).SetBytes(nb)
	if mod.BitLen() < 1024 {
		return nil, fmt.Errorf("RSA key of %d bits is too short", mod.BitLen())
	}
	return &rsa.PublicKey{N: mod, E: exp}, nil
}

func ecKey(crv, x, y string) (*ecdsa.PublicKey, error) {
	var c elliptic.Curve
	switch crv {
	case "P-256":
		c = elliptic.P256()
	case "P-384":
		c = elliptic.P384()
	case "P-521":
		c = elliptic.P521()
	default:
		return nil, fmt.Errorf("%w: EC curve %q", errUnsupportedKey, crv)
	}
	size := (c.Params().BitSize + 7) / 8
	xb, err1 := b64(x)
	yb, err2 := b64(y)
	if err1 != nil || err2 != nil || len(xb) > size || len(yb) > size {
		return nil, errors.New("bad EC point")
	}
	point := make([]byte, 1+2*size)
	point[0] = 4
	copy(point[1+size-len(xb):], xb)
	copy(point[1+2*size-len(yb):], yb)
	k, err := ecdsa.ParseUncompressedPublicKey(c, point)
	if err != nil {
		return nil, fmt.Errorf("bad EC point: %w", err)
	}
	return k, nil
}

func certKey(s string) (crypto.PublicKey, error) {
	der, err := base64.StdEncoding.DecodeString(s)
	if err != nil {
		return nil, fmt.Errorf("bad x5c certificate: %w", err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		return nil, fmt.Errorf("bad x5c certificate: %w", err)
	}
	switch k := cert.PublicKey.(type) {
	case *rsa.PublicKey, *ecdsa.PublicKey, ed25519.PublicKey:
		return k, nil
	}
	return nil, fmt.Errorf("%w: certificate key %T", errUnsupportedKey, cert.PublicKey)
}
