package config

import (
	"crypto/tls"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"runtime"
	"runtime/debug"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/sirupsen/logrus"
	"sigs.k8s.io/yaml"

	"github.com/skiff-proxy/skiff/dataclients/polling"
	"github.com/skiff-proxy/skiff/settings"
	"github.com/skiff-proxy/skiff/settings/listener"
)

// skipperExtras are the values of skipper's flags that the binary applies
// itself rather than through skiff.Options.
type skipperExtras struct {
	configFile    string
	version       bool
	appLog        string // application log file; "" is stderr
	appLogPrefix  string
	appLogJSON    bool
	tlsKeyLogFile string
	blockProfile  int
	mutexProfile  int
	memProfile    int
}

// skipperDuration is a duration flag with skipper's reading of 0 and
// negative values where its usage documents them: 0 is the default,
// which skiff.Options spell 0, and a negative value means none (-1).
type skipperDuration struct{ d *time.Duration }

func (s skipperDuration) String() string {
	if s.d == nil {
		return ""
	}
	return s.d.String()
}

func (s skipperDuration) Set(v string) error {
	d, err := time.ParseDuration(v)
	if err != nil {
		return errors.New("not a duration (examples: 500ms, 30s, 5m)")
	}
	if d < 0 {
		d = -1
	}
	*s.d = d
	return nil
}

// skipperFlags defines skipper's flags that skiff implements beyond its
// original set (docs/migrating-from-skipper.md). The returned function
// completes the options after parsing.
func skipperFlags(fs *flag.FlagSet, c *serveConfig, dur func(*time.Duration, string, time.Duration, string)) func() error {
	o, x := &c.opts, &c.skipper

	fs.StringVar(&x.configFile, "config-file", "", "YAML file of flag values (keys are flag names); the command line wins over it")
	fs.BoolVar(&x.version, "version", false, "print the version and exit")

	// proxy listener
	fs.BoolVar(&o.EnableProxyProtocol, "enable-proxy-protocol", false,
		"read a PROXY protocol v1/v2 header from peers in -proxy-allow-cidrs (a header from anyone else fails the connection)")
	fs.Var(listFlag{&o.ProxyAllowCIDRs, true}, "proxy-allow-cidrs", `comma-separated CIDRs that may send a PROXY header ("::/0,0.0.0.0/0": all)`)
	fs.Var(listFlag{&o.ProxyDenyCIDRs, true}, "proxy-deny-cidrs", "comma-separated CIDRs whose PROXY header fails the connection")
	fs.Var(listFlag{&o.ProxySkipCIDRs, true}, "proxy-skip-cidrs", "comma-separated CIDRs served as they are, without looking for a PROXY header")
	fs.BoolVar(&o.EnableTCPQueue, "enable-tcp-queue", false,
		"bound the connections served at once; the others wait in a queue, newest first (-max-tcp-listener-concurrency, -max-tcp-listener-queue)")
	fs.IntVar(&o.MaxTCPListenerConcurrency, "max-tcp-listener-concurrency", 0,
		"with -enable-tcp-queue: connections served at once (0: the memory limit over -expected-bytes-per-request)")
	fs.IntVar(&o.MaxTCPListenerQueue, "max-tcp-listener-queue", 0,
		"with -enable-tcp-queue: connections waiting (0: ten times the concurrency, at most 50000)")
	fs.IntVar(&o.ExpectedBytesPerRequest, "expected-bytes-per-request", listener.DefaultExpectedBytesPerRequest,
		"with -enable-tcp-queue and no -max-tcp-listener-concurrency: memory assumed per connection")

	// TLS
	tlsMin := "1.2"
	fs.StringVar(&tlsMin, "tls-min-version", tlsMin, "lowest TLS version of the proxy listener and of https backends: 1.0, 1.1, 1.2 or 1.3")
	clientAuth := tls.NoClientCert.String()
	fs.StringVar(&clientAuth, "tls-client-auth", clientAuth,
		"client certificates the proxy listener asks for: NoClientCert, RequestClientCert, RequireAnyClientCert, VerifyClientCertIfGiven or RequireAndVerifyClientCert")
	fs.StringVar(&x.tlsKeyLogFile, "tls-key-log-file", "", "append TLS secrets in NSS key log format to this file, for debugging with Wireshark (never in production)")
	fs.StringVar(&o.ClientTLSCert, "client-tls-cert", "", "comma-separated certificate files presented to https backends that ask for one")
	fs.StringVar(&o.ClientTLSKey, "client-tls-key", "", "comma-separated key files of -client-tls-cert, in the same order")
	fs.BoolVar(&o.EnableMTLS, "enable-mtls", false, "read -client-tls-cert/-client-tls-key (one pair) again every -client-tls-cert-refresh-interval")
	fs.DurationVar(&o.ClientTLSCertRefreshInterval, "client-tls-cert-refresh-interval", 0, "with -enable-mtls: how often the client certificate is read again (0: 5m)")

	// backends
	fs.IntVar(&o.MaxIdleConnsBackend, "max-idle-connection-backend", 0, "idle backend connections kept for all hosts together (0: no bound besides -idle-conns-num per host)")

	// routes
	fs.Var(listFlag{&o.RoutesURLs, true}, "routes-urls",
		"comma-separated URLs of eskip documents, fetched at start and polled every -source-poll-timeout (an entry that is no http(s) URL is a routes file)")
	pollMillis := int64(polling.DefaultInterval / time.Millisecond)
	fs.Int64Var(&pollMillis, "source-poll-timeout", pollMillis, "milliseconds between polls of -routes-urls, and the bound of one request")
	fs.Var(breakerFlag{&o.Breakers}, "breaker",
		"type=consecutive|rate|disabled,host=<host>,failures=<n>,window=<n>,timeout=<d>,half-open-requests=<n>,idle-ttl=<d>: "+
			"default (no host) or host circuit breaker of every route; enables breakers (may repeat)")
	fs.Var(ratelimitFlag{&o.Ratelimits, &c.warnings}, "ratelimits",
		"type=client|service|disabled,max-hits=<n>,time-window=<d>[,group=<name>]: rate limit of every request before routing; enables the rate limit filters (may repeat; the first counts)")
	fs.Var(listFlag{&o.RefusePayload, false}, "refuse-payload", `answer 400 to requests whose target or headers contain this string (may repeat)`)

	// logs and profiles
	fs.StringVar(&x.appLog, "application-log", "", "application log file (default stderr)")
	fs.StringVar(&x.appLogPrefix, "application-log-prefix", "[APP]", "prefix of application log lines")
	fs.BoolVar(&x.appLogJSON, "application-log-json-enabled", false, "write the application log as JSON objects")
	fs.IntVar(&x.blockProfile, "block-profile-rate", 0, "runtime.SetBlockProfileRate for /debug/pprof/block (0: off)")
	fs.IntVar(&x.mutexProfile, "mutex-profile-fraction", 0, "runtime.SetMutexProfileFraction for /debug/pprof/mutex (0: off)")
	fs.IntVar(&x.memProfile, "memory-profile-rate", 0, "runtime.MemProfileRate (0: Go's default, one sample per 512 KiB)")

	return func() error {
		v, err := settings.ParseTLSVersion(tlsMin)
		if err != nil {
			return fmt.Errorf("-tls-min-version: %w", err)
		}
		o.TLSMinVersion = v
		if o.TLSClientAuth, err = settings.ParseTLSClientAuth(clientAuth); err != nil {
			return fmt.Errorf("-tls-client-auth: %w", err)
		}
		if (o.ClientTLSCert == "") != (o.ClientTLSKey == "") {
			return errors.New("-client-tls-cert and -client-tls-key: give both or neither")
		}
		if pollMillis <= 0 {
			return fmt.Errorf("-source-poll-timeout: %d must be positive", pollMillis)
		}
		o.SourcePollTimeout = time.Duration(pollMillis) * time.Millisecond
		for _, l := range []struct {
			name  string
			cidrs []string
		}{{"proxy-allow-cidrs", o.ProxyAllowCIDRs}, {"proxy-deny-cidrs", o.ProxyDenyCIDRs}, {"proxy-skip-cidrs", o.ProxySkipCIDRs}} {
			if _, err := listener.ParsePrefixes(l.cidrs); err != nil {
				return fmt.Errorf("-%s: %w", l.name, err)
			}
		}
		for _, n := range []struct {
			name string
			v    int
		}{{"max-tcp-listener-concurrency", o.MaxTCPListenerConcurrency}, {"max-tcp-listener-queue", o.MaxTCPListenerQueue},
			{"expected-bytes-per-request", o.ExpectedBytesPerRequest}, {"max-idle-connection-backend", o.MaxIdleConnsBackend}} {
			if n.v < 0 {
				return fmt.Errorf("-%s: %d must not be negative", n.name, n.v)
			}
		}
		if !o.EnableTCPQueue && (o.MaxTCPListenerConcurrency > 0 || o.MaxTCPListenerQueue > 0) {
			c.warnings = append(c.warnings, "-max-tcp-listener-concurrency and -max-tcp-listener-queue: without -enable-tcp-queue they do nothing, as in skipper")
		}
		if !o.EnableProxyProtocol && len(o.ProxyAllowCIDRs)+len(o.ProxyDenyCIDRs)+len(o.ProxySkipCIDRs) > 0 {
			c.warnings = append(c.warnings, "-proxy-allow-cidrs, -proxy-deny-cidrs, -proxy-skip-cidrs: without -enable-proxy-protocol they do nothing")
		}
		if o.EnableProxyProtocol && len(o.ProxyAllowCIDRs) == 0 {
			c.warnings = append(c.warnings, "-enable-proxy-protocol: no -proxy-allow-cidrs, so every PROXY header is refused")
		}
		return nil
	}
}

// applyConfigFile sets the flags of fs from a YAML file whose keys are
// flag names, as skipper's -config-file: scalars are flag values, a list
// sets a flag once per item (repeatable flags), a mapping is given as
// key=value pairs (-breaker, -ratelimits, -passive-health-check).
func applyConfigFile(fs *flag.FlagSet, path string) error {
	data, err := os.ReadFile(path)
	if err != nil {
		return fmt.Errorf("-config-file: %w", err)
	}
	j, err := yaml.YAMLToJSON(data)
	if err != nil {
		return fmt.Errorf("-config-file %s: %w", path, err)
	}
	var doc map[string]any
	if err := json.Unmarshal(j, &doc); err != nil {
		return fmt.Errorf("-config-file %s: want a mapping of flag names to values", path)
	}
	keys := make([]string, 0, len(doc))
	for k := range doc {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		if k == "config-file" {
			continue
		}
		if fs.Lookup(k) == nil {
			return fmt.Errorf("-config-file %s: %q is not a flag", path, k)
		}
		var values []string
		switch v := doc[k].(type) {
		case nil:
			continue
		case []any:
			for _, item := range v {
				values = append(values, yamlValue(item))
			}
		default:
			values = []string{yamlValue(v)}
		}
		for _, s := range values {
			if err := fs.Set(k, s); err != nil {
				return fmt.Errorf("-config-file %s: %s: %w", path, k, err)
			}
		}
	}
	return nil
}

func yamlValue(v any) string {
	switch v := v.(type) {
	case string:
		return v
	case float64:
		return strconv.FormatFloat(v, 'f', -1, 64)
	case bool:
		return strconv.FormatBool(v)
	case map[string]any:
		keys := make([]string, 0, len(v))
		for k := range v {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		parts := make([]string, 0, len(keys))
		for _, k := range keys {
			parts = append(parts, k+"="+yamlValue(v[k]))
		}
		return strings.Join(parts, ",")
	case []any:
		parts := make([]string, 0, len(v))
		for _, item := range v {
			parts = append(parts, yamlValue(item))
		}
		return strings.Join(parts, ",")
	}
	return fmt.Sprint(v)
}

// Version is the module version of the running binary, "(devel)" when
// built from a work tree.
func Version() string {
	if bi, ok := debug.ReadBuildInfo(); ok && bi.Main.Version != "" {
		return bi.Main.Version
	}
	return "(devel)"
}

// applySkipperExtras applies what the binary does itself for skipper's
// flags before serving: the application log, the TLS key log and the
// profile rates. The returned function closes the files it opened.
func applySkipperExtras(c *serveConfig, stderr io.Writer) (func(), error) {
	x := &c.skipper
	var closers []io.Closer
	done := func() {
		for _, cl := range slices.Backward(closers) {
			cl.Close()
		}
	}
	if x.tlsKeyLogFile != "" {
		f, err := os.OpenFile(x.tlsKeyLogFile, os.O_WRONLY|os.O_CREATE|os.O_APPEND, 0o600)
		if err != nil {
			return done, fmt.Errorf("-tls-key-log-file: %w", err)
		}
		closers = append(closers, f)
		c.opts.TLSKeyLogWriter = f
	}
	if x.appLog != "" || x.appLogJSON || x.appLogPrefix != "[APP]" {
		var out io.Writer = stderr
		if x.appLog != "" {
			f, err := os.OpenFile(x.appLog, os.O_WRONLY|os.O_CREATE|os.O_APPEND, 0o644)
			if err != nil {
				done()
				return func() {}, fmt.Errorf("-application-log: %w", err)
			}
			closers = append(closers, f)
			out = f
		}
		c.opts.Log = appLogger(out, c.opts.LogLevel, x.appLogPrefix, x.appLogJSON)
	}
	if x.blockProfile != 0 {
		runtime.SetBlockProfileRate(x.blockProfile)
	}
	if x.mutexProfile != 0 {
		runtime.SetMutexProfileFraction(x.mutexProfile)
	}
	if x.memProfile != 0 {
		runtime.MemProfileRate = x.memProfile
	}
	return done, nil
}

// appLogger is the application log of -application-log,
// -application-log-prefix and -application-log-json-enabled: JSON
// objects, or text lines with the prefix. The level was checked already.
func appLogger(w io.Writer, level, prefix string, json bool) logrus.FieldLogger {
	l := logrus.New()
	l.SetOutput(w)
	if lv, err := logrus.ParseLevel(level); err == nil {
		l.SetLevel(lv)
	}
	if json {
		l.SetFormatter(&logrus.JSONFormatter{})
	} else {
		l.SetFormatter(prefixFormatter{prefix, &logrus.TextFormatter{FullTimestamp: true}})
	}
	return l
}

type prefixFormatter struct {
	prefix string
	logrus.Formatter
}

func (f prefixFormatter) Format(e *logrus.Entry) ([]byte, error) {
	b, err := f.Formatter.Format(e)
	if err != nil {
		return nil, err
	}
	return append([]byte(f.prefix), b...), nil
}
