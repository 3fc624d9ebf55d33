package settings

import (
	"fmt"
	"net"
	"slices"

	"github.com/skiff-proxy/skiff/dataclients"
	"github.com/skiff-proxy/skiff/dataclients/routesurl"
	"github.com/skiff-proxy/skiff/filters/breaker"
	"github.com/skiff-proxy/skiff/settings/listener"
)

// checkSkipperOptions checks the options of skipper's listener, route
// source and global limit flags.
func (c *Resolved) checkSkipperOptions() error {
	for _, l := range []struct {
		name  string
		cidrs []string
	}{{"ProxyAllowCIDRs", c.ProxyAllowCIDRs}, {"ProxyDenyCIDRs", c.ProxyDenyCIDRs}, {"ProxySkipCIDRs", c.ProxySkipCIDRs}} {
		if _, err := listener.ParsePrefixes(l.cidrs); err != nil {
			return &ConfigError{l.name, err}
		}
	}
	for i, r := range c.Ratelimits {
		if err := r.check(); err != nil {
			return &ConfigError{fmt.Sprintf("Ratelimits[%d]", i), err}
		}
	}
	for i, b := range c.Breakers {
		if b.Type == breaker.None {
			return &ConfigError{fmt.Sprintf("Breakers[%d]", i), fmt.Errorf("no type")}
		}
	}
	for _, u := range c.RoutesURLs {
		if u == "" {
			return &ConfigError{"RoutesURLs", fmt.Errorf("empty entry")}
		}
	}
	return nil
}

// routesFiles are RoutesFiles and the entries of RoutesURLs that are no
// URL: skipper reads those as watched routes files.
func (o *Options) routesFiles() []string {
	files := slices.Clip(o.RoutesFiles)
	for _, u := range o.RoutesURLs {
		if !routesurl.IsURL(u) {
			files = append(files, u)
		}
	}
	return files
}

// routesURLClients creates the clients of the URLs of RoutesURLs, each
// fetching its document once: a failure is a ConfigError, as skipper
// refuses to start then.
func (c *Resolved) routesURLClients() ([]dataclients.DataClient, error) {
	var clients []dataclients.DataClient
	for _, u := range c.RoutesURLs {
		if !routesurl.IsURL(u) {
			continue
		}
		rc, err := routesurl.New(routesurl.Options{URL: u, Interval: c.SourcePollTimeout, Log: c.Log})
		if err != nil {
			return nil, &ConfigError{"routes-urls", err}
		}
		clients = append(clients, rc)
	}
	return clients, nil
}

// HostBreakerFilter is appended to every route when Breakers has a
// setting that is not disabled.
const HostBreakerFilter = "hostBreaker()"

// defaultFiltersAppend is DefaultFiltersAppend, and hostBreaker() when
// Breakers set a breaker: skipper applies its global and host breakers to
// every backend, skiff through a filter.
func (o *Options) defaultFiltersAppend() []string {
	for _, b := range o.Breakers {
		if b.Type != breaker.Disabled && b.Type != breaker.None {
			return append(slices.Clip(o.DefaultFiltersAppend), HostBreakerFilter)
		}
	}
	return o.DefaultFiltersAppend
}

// WrapListener applies skipper's listener options to the proxy listener
// ln: the TCP queue (EnableTCPQueue), then the PROXY protocol
// (EnableProxyProtocol). Without them it returns ln. The result is to be
// closed instead of ln.
func (c *Resolved) WrapListener(ln net.Listener) (net.Listener, error) {
	if c.EnableTCPQueue {
		timeout := c.ReadHeaderTimeoutServer
		if timeout <= 0 {
			timeout = c.ReadTimeoutServer
		}
		ln = listener.Queue(ln, listener.QueueOptions{
			MaxConcurrency:          c.MaxTCPListenerConcurrency,
			MaxQueue:                c.MaxTCPListenerQueue,
			ExpectedBytesPerRequest: c.ExpectedBytesPerRequest,
			Timeout:                 timeout,
		})
	}
	if c.EnableProxyProtocol {
		pl, err := listener.ProxyProtocol(ln, listener.ProxyOptions{Allow: c.ProxyAllowCIDRs, Deny: c.ProxyDenyCIDRs, Skip: c.ProxySkipCIDRs})
		if err != nil {
			ln.Close()
			return nil, &ConfigError{"EnableProxyProtocol", err}
		}
		ln = pl
	}
	return ln, nil
}

// breakerOptions splits -breaker settings into the default (the last
// without a host, as in skipper) and the host settings.
func breakerOptions(l []breaker.Settings) breaker.Options {
	var o breaker.Options
	for _, s := range l {
		if s.Host == "" {
			o.Global = s
		} else {
			o.Hosts = append(o.Hosts, s)
		}
	}
	return o
}
