package auth

import (
	"container/list"
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"maps"
	"net/http"
	"net/url"
	"sync"
	"time"
)

// errTokenRejected: the tokeninfo service answered 401 or 403.
var errTokenRejected = errors.New("tokeninfo rejected the token")

// tokeninfoClient asks the tokeninfo service about bearer tokens and
// caches the answers when a cache size is configured.
type tokeninfoClient struct {
	reg    *Registry
	url    string
	urlErr error           // the URL is not usable
	cache  *tokeninfoCache // nil: no cache
}

func newTokeninfoClient(r *Registry) *tokeninfoClient {
	c := &tokeninfoClient{reg: r, url: r.o.TokeninfoURL}
	if u, err := url.Parse(c.url); err != nil {
		c.urlErr = err
	} else if (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		c.urlErr = fmt.Errorf("tokeninfo URL %q is not an http or https URL", c.url)
	}
	if r.o.TokeninfoCacheSize > 0 {
		c.cache = &tokeninfoCache{
			size:    r.o.TokeninfoCacheSize,
			ttl:     r.o.TokeninfoCacheTTL,
			now:     r.o.Now,
			entries: map[[sha256.Size]byte]*list.Element{},
			order:   list.New(),
		}
	}
	return c
}

// get returns the tokeninfo answer for token: a cached copy or a fresh
// one. The request is sent with "Authorization: Bearer <token>", ends
// with ctx or after the timeout, and only a 200 answer with a JSON
// object (or null) counts; 401 and 403 are errTokenRejected.
func (c *tokeninfoClient) get(ctx context.Context, token string) (map[string]any, error) {
	var key [sha256.Size]byte
	if c.cache != nil {
		key = sha256.Sum256([]byte(token))
		if info, ok := c.cache.get(key); ok {
			return info, nil
		}
	}
	var info map[string]any
	status, err := c.reg.getJSON(ctx, c.url, http.Header{"Authorization": {bearerPrefix + token}}, c.reg.o.TokeninfoTimeout, &info)
	if err != nil {
		if status == http.StatusUnauthorized || status == http.StatusForbidden {
			return nil, errTokenRejected
		}
		return nil, err
	}
	if c.cache != nil {
		c.cache.put(key, info)
	}
	return info, nil
}

// tokeninfoCache is a least-recently-used cache of tokeninfo answers,
// keyed by the SHA-256 of the token. An answer is kept while its
// expires_in lasts (not at all without one), at most ttl when ttl > 0.
type tokeninfoCache struct {
	size int
	ttl  time.Duration
	now  func() time.Time

	mu      sync.Mutex
	entries map[[sha256.Size]byte]*list.Element
	order   *list.List // of *cacheEntry, most recently used first
}

type cacheEntry struct {
	key           [sha256.Size]byte
	info          map[string]any
	expiresAt     time.Time // when the entry goes
	infoExpiresAt time.Time // when the token expires
}

const expiresInField = "expires_in"

func (c *tokeninfoCache) get(key [sha256.Size]byte) (map[string]any, bool) {
	now := c.now()
	c.mu.Lock()
	el, ok := c.entries[key]
	if !ok {
		c.mu.Unlock()
		return nil, false
	}
	e := el.Value.(*cacheEntry)
	if !now.Before(e.expiresAt) {
		c.order.Remove(el)
		delete(c.entries, key)
		c.mu.Unlock()
		return nil, false
	}
	c.order.MoveToFront(el)
	c.mu.Unlock()
	// a copy: filters may change the map they get
	info := maps.Clone(e.info)
	info[expiresInField] = e.infoExpiresAt.Sub(now).Truncate(time.Second).Seconds()
	return info, true
}

func (c *tokeninfoCache) put(key [sha256.Size]byte, info map[string]any) {
	secs, _ := info[expiresInField].(float64)
	if !(secs >= 1) {
		return // none, not positive, or NaN
	}
	expiresIn := time.Duration(min(secs, 1<<32)) * time.Second
	now := c.now()
	e := &cacheEntry{key: key, info: maps.Clone(info), infoExpiresAt: now.Add(expiresIn)}
	e.expiresAt = e.infoExpiresAt
	if c.ttl > 0 && expiresIn > c.ttl {
		e.expiresAt = now.Add(c.ttl)
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if el, ok := c.entries[key]; ok {
		el.Value = e
		c.order.MoveToFront(el)
		return
	}
	c.entries[key] = c.order.PushFront(e)
	for c.order.Len() > c.size {
		last := c.order.Back()
		c.order.Remove(last)
		delete(c.entries, last.Value.(*cacheEntry).key)
	}
}

// Len is the number of cached answers.
func (c *tokeninfoCache) Len() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.order.Len()
}
