package skiff

import (
	"crypto/tls"
	"errors"
	"fmt"
	"os"
	"strings"

	"github.com/sirupsen/logrus"

	"github.com/skiff-proxy/skiff/dataclients"
	"github.com/skiff-proxy/skiff/dataclients/file"
	"github.com/skiff-proxy/skiff/eskip"
	"github.com/skiff-proxy/skiff/loadbalancer"
	"github.com/skiff-proxy/skiff/routing"
)

// config is Options with defaults applied and the derived parts built.
type config struct {
	Options
	log            logrus.FieldLogger
	defaultFilters defaultFilters
	dataClients    []dataclients.DataClient
	cert           *tls.Certificate  // loaded from TLSCert/TLSKey
	forwarded      *forwardedHeaders // nil: none
	// preProcessors run after the default filters, in spec routing.md §9
	// order around the custom ones.
	preProcessors  []routing.PreProcessor
	postProcessors []routing.PostProcessor
}

// resolve applies defaults and checks everything that can be checked
// before anything starts, so that a typo fails fast with its position.
func resolve(o Options) (config, error) {
	c := config{Options: o}
	if c.Address == "" {
		c.Address = DefaultAddress
	}
	if c.SupportListener == "" {
		c.SupportListener = DefaultSupportListener
	}
	if c.AccessLogOutput == nil {
		c.AccessLogOutput = os.Stderr
	}
	switch {
	case c.MaxLoopbacks == 0:
		c.MaxLoopbacks = DefaultMaxLoopbacks
	case c.MaxLoopbacks < 0:
		c.MaxLoopbacks = -1 // the proxy spells "none" the same way
	}
	if c.DefaultHTTPStatus == 0 {
		c.DefaultHTTPStatus = DefaultHTTPStatus
	}
	if c.DefaultHTTPStatus < 100 || c.DefaultHTTPStatus > 599 {
		return c, &ConfigError{"DefaultHTTPStatus", fmt.Errorf("%d is not an HTTP status", c.DefaultHTTPStatus)}
	}
	if c.MaxHeaderBytes <= 0 {
		c.MaxHeaderBytes = DefaultMaxHeaderBytes
	}
	if c.IdleConnsPerHost == 0 {
		c.IdleConnsPerHost = DefaultIdleConnsPerHost
	}
	if c.MaxRequestLineBytes <= 0 {
		c.MaxRequestLineBytes = DefaultMaxRequestLineBytes
	}
	if c.MaxTotalHeaderBytes <= 0 {
		c.MaxTotalHeaderBytes = DefaultMaxTotalHeaderBytes
	}
	if c.RequestBodyBufferBytes == 0 {
		c.RequestBodyBufferBytes = DefaultRequestBodyBufferBytes
	}
	c.ReadTimeoutServer = duration(c.ReadTimeoutServer, DefaultReadTimeoutServer)
	c.ReadHeaderTimeoutServer = duration(c.ReadHeaderTimeoutServer, DefaultReadHeaderTimeoutServer)
	c.WriteTimeoutServer = duration(c.WriteTimeoutServer, 0)
	c.IdleTimeoutServer = duration(c.IdleTimeoutServer, DefaultIdleTimeoutServer)
	c.WaitForHealthcheckInterval = duration(c.WaitForHealthcheckInterval, DefaultWaitForHealthcheckInterval)
	c.ShutdownTimeout = duration(c.ShutdownTimeout, DefaultShutdownTimeout)
	// Backend durations and the idle ones keep the Options convention (0
	// default, negative none), which is the proxy's too.

	fwd, err := parseForwardedHeaders(c.ForwardedHeaders, c.ForwardedHeadersExcludeCIDRs)
	if err != nil {
		return c, &ConfigError{"forwarded-headers", err}
	}
	c.forwarded = fwd

	if (c.TLSCert == "") != (c.TLSKey == "") {
		return c, &ConfigError{"TLSCert/TLSKey", errors.New("give both or neither")}
	}
	if c.TLSCert != "" {
		cert, err := tls.LoadX509KeyPair(c.TLSCert, c.TLSKey)
		if err != nil {
			return c, &ConfigError{"TLSCert/TLSKey", err}
		}
		c.cert = &cert
	}

	if c.Log == nil {
		level := logrus.InfoLevel
		if c.LogLevel != "" {
			l, err := logrus.ParseLevel(c.LogLevel)
			if err != nil {
				return c, &ConfigError{"LogLevel", err}
			}
			level = l
		}
		c.log = defaultLogger(level)
	} else {
		c.log = c.Log
	}

	if c.defaultFilters.prepend, err = parseChains(c.DefaultFiltersPrepend); err != nil {
		return c, &ConfigError{"default-filters-prepend", err}
	}
	if c.defaultFilters.append, err = parseChains(c.DefaultFiltersAppend); err != nil {
		return c, &ConfigError{"default-filters-append", err}
	}

	if err := c.buildProcessors(); err != nil {
		return c, err
	}
	if err := c.buildDataClients(); err != nil {
		return c, err
	}
	return c, nil
}

func parseChains(chains []string) ([]*eskip.Filter, error) {
	var all []*eskip.Filter
	for _, ch := range chains {
		if strings.TrimSpace(ch) == "" {
			continue
		}
		fs, err := eskip.ParseFilters(ch)
		if err != nil {
			return nil, fmt.Errorf("%q: %w", ch, err)
		}
		all = append(all, fs...)
	}
	return all, nil
}

// buildDataClients checks the route sources given by name and creates
// their clients. Route files are parsed once here so that a missing file
// or a syntax error stops the start with every position
// (file:line:col), instead of leaving an empty table behind.
func (c *config) buildDataClients() error {
	for _, path := range c.RoutesFiles {
		text, err := file.ReadFile(path, file.DefaultMaxSize)
		if err != nil {
			return &ConfigError{"routes file", err}
		}
		if _, err := eskip.ParseDocument(path, text); err != nil {
			return &ConfigError{"routes file " + path, err}
		}
	}
	if len(c.RoutesFiles) > 0 {
		c.dataClients = append(c.dataClients, file.New(file.Options{Paths: c.RoutesFiles, Log: c.log}))
	}
	if strings.TrimSpace(c.InlineRoutes) != "" {
		routes, err := eskip.ParseDocument("inline-routes", []byte(c.InlineRoutes))
		if err != nil {
			return &ConfigError{"inline routes", err}
		}
		c.dataClients = append(c.dataClients, inlineClient{routes})
	}
	c.dataClients = append(c.dataClients, c.CustomDataClients...)
	if len(c.dataClients) == 0 {
		return &ConfigError{"routes", errors.New("no route source: give RoutesFiles, InlineRoutes or CustomDataClients")}
	}
	return nil
}

// buildProcessors lays out the route pre- and post-processors in the order
// of spec routing.md §9.
func (c *config) buildProcessors() error {
	c.preProcessors = []routing.PreProcessor{c.defaultFilters}
	clones, err := parseRouteEdits(c.CloneRoute)
	if err != nil {
		return &ConfigError{"clone-route", err}
	}
	if len(clones) > 0 {
		c.preProcessors = append(c.preProcessors, routing.NewRouteCloner(clones, c.log))
	}
	edits, err := parseRouteEdits(c.EditRoute)
	if err != nil {
		return &ConfigError{"edit-route", err}
	}
	if len(edits) > 0 {
		c.preProcessors = append(c.preProcessors, routing.NewRouteEditor(edits, c.log))
	}
	c.preProcessors = append(c.preProcessors, c.CustomRoutingPreProcessors...)
	if c.ForwardBackendURL != "" {
		fr, err := routing.NewForwardResolver(c.ForwardBackendURL)
		if err != nil {
			return &ConfigError{"forward-backend-url", err}
		}
		c.preProcessors = append(c.preProcessors, fr)
	}
	c.postProcessors = append([]routing.PostProcessor{loadbalancer.NewPostProcessor(), forwardUnresolved{}}, c.CustomRoutingPostProcessors...)
	return nil
}

func parseRouteEdits(rules []string) ([]routing.RouteEdit, error) {
	var es []routing.RouteEdit
	for _, r := range rules {
		e, err := routing.ParseRouteEdit(r)
		if err != nil {
			return nil, err
		}
		es = append(es, e)
	}
	return es, nil
}
