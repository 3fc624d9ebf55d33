package routesurl

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"

	"github.com/sirupsen/logrus"

	"github.com/skiff-proxy/skiff/dataclients"
	"github.com/skiff-proxy/skiff/dataclients/polling"
	"github.com/skiff-proxy/skiff/eskip"
)

// Defaults of Options.
const (
	// DefaultInterval is skipper's -source-poll-timeout default.
	DefaultInterval = polling.DefaultInterval
	// DefaultMaxSize bounds a document, as for route files.
	DefaultMaxSize = 256 << 20
)

// Options configure a Client.
type Options struct {
	// URL is the http or https URL of the eskip document.
	URL string
	// Interval is the pause between polls (default DefaultInterval).
	Interval time.Duration
	// Timeout bounds one request, headers and body (default Interval, as
	// skipper, which uses its poll timeout for both).
	Timeout time.Duration
	// MaxSize is the largest document read (default DefaultMaxSize).
	MaxSize int64
	// Transport sends the requests; default a transport of its own
	// without keep-alive (a poll every few seconds needs none, and no
	// idle connection outlives the client).
	Transport http.RoundTripper
	// Log receives the failed polls; default logrus' standard logger.
	Log logrus.FieldLogger
}

// Client is a data client polling one URL. Create it with New.
type Client struct {
	*polling.Poller
}

var _ dataclients.DataClient = (*Client)(nil)

// IsURL reports whether s is an http or https URL, which -routes-urls
// fetches; skipper reads anything else as a local routes file.
func IsURL(s string) bool {
	l := strings.ToLower(s)
	return strings.HasPrefix(l, "http://") || strings.HasPrefix(l, "https://")
}

// New fetches and parses o.URL once and returns the client that goes on
// polling it. An error names the URL.
func New(o Options) (*Client, error) {
	if !IsURL(o.URL) {
		return nil, fmt.Errorf("%q is not an http or https URL", o.URL)
	}
	if o.Interval <= 0 {
		o.Interval = DefaultInterval
	}
	if o.Timeout <= 0 {
		o.Timeout = o.Interval
	}
	if o.MaxSize <= 0 {
		o.MaxSize = DefaultMaxSize
	}
	if o.Transport == nil {
		o.Transport = &http.Transport{Proxy: http.ProxyFromEnvironment, DisableKeepAlives: true, TLSHandshakeTimeout: o.Timeout}
	}
	if o.Log == nil {
		o.Log = logrus.StandardLogger()
	}
	s := &source{o: o, http: &http.Client{Transport: o.Transport, Timeout: o.Timeout}}
	if _, err := s.fetch(false); err != nil {
		return nil, err
	}
	s.preloaded = true
	name := "routes-url:" + o.URL
	return &Client{polling.New(s, polling.Options{Interval: o.Interval, Name: name, Log: o.Log})}, nil
}

// Run polls until ctx is done (see package polling).
func (c *Client) Run(ctx context.Context, out chan<- dataclients.Update) error {
	return c.Poller.Run(ctx, out)
}

// source is the polling.Client of one URL.
type source struct {
	o    Options
	http *http.Client

	preloaded    bool // the routes of New's fetch are for the first LoadAll
	routes       []*eskip.Route
	etag, lastMo string
}

var errUnchanged = errors.New("not modified")

// fetch gets and parses the document; conditional asks for it only if it
// changed since the last successful fetch (errUnchanged when it did not).
// On success the routes are kept.
func (s *source) fetch(conditional bool) ([]*eskip.Route, error) {
	req, err := http.NewRequest(http.MethodGet, s.o.URL, nil)
	if err != nil {
		return nil, err
	}
	req.Header.Set("Accept", "text/plain, */*")
	if conditional {
		if s.etag != "" {
			req.Header.Set("If-None-Match", s.etag)
		}
		if s.lastMo != "" {
			req.Header.Set("If-Modified-Since", s.lastMo)
		}
	}
	rsp, err := s.http.Do(req)
	if err != nil {
		return nil, err
	}
	defer rsp.Body.Close()
	switch {
	case rsp.StatusCode == http.StatusNotModified && conditional:
		return nil, errUnchanged
	case rsp.StatusCode != http.StatusOK:
		return nil, fmt.Errorf("GET %s: %s", s.o.URL, rsp.Status)
	}
	body, err := io.ReadAll(io.LimitReader(rsp.Body, s.o.MaxSize+1))
	if err != nil {
		return nil, fmt.Errorf("GET %s: %w", s.o.URL, err)
	}
	if int64(len(body)) > s.o.MaxSize {
		return nil, fmt.Errorf("GET %s: the document is larger than %d bytes", s.o.URL, s.o.MaxSize)
	}
	routes, err := eskip.ParseDocument(s.o.URL, body)
	if err != nil {
		// Validators of a document that does not parse must not make the
		// next request conditional: a 304 would then keep it for good.
		s.etag, s.lastMo = "", ""
		return nil, err
	}
	s.routes = routes
	s.etag, s.lastMo = rsp.Header.Get("ETag"), rsp.Header.Get("Last-Modified")
	return routes, nil
}

// LoadAll returns every route of the document: New's at first, then a
// fresh copy (the routes last fetched if the document did not change).
func (s *source) LoadAll() ([]*eskip.Route, error) {
	if s.preloaded {
		s.preloaded = false
		return s.routes, nil
	}
	routes, err := s.fetch(true)
	if errors.Is(err, errUnchanged) {
		return s.routes, nil
	}
	return routes, err
}

// LoadUpdate returns the whole document again when it changed, with the
// ids it no longer has as deletes; the poller sends only real changes.
func (s *source) LoadUpdate() ([]*eskip.Route, []string, error) {
	old := s.routes
	routes, err := s.fetch(true)
	if errors.Is(err, errUnchanged) {
		return nil, nil, nil
	}
	if err != nil {
		return nil, nil, err
	}
	ids := make(map[string]bool, len(routes))
	for _, r := range routes {
		ids[r.Id] = true
	}
	var deletes []string
	for _, r := range old {
		if !ids[r.Id] {
			deletes = append(deletes, r.Id)
		}
	}
	return routes, deletes, nil
}
