package config

import (
	"bufio"
	"bytes"
	"crypto/tls"
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/skiff-proxy/skiff/filters/breaker"
	"github.com/skiff-proxy/skiff/settings"
)

const skipperFlagsFile = "testdata/skipper-v0.27-flags.txt"

// readSkipperFlags reads the flag names of skipper v0.27.
func readSkipperFlags(t *testing.T) []string {
	t.Helper()
	f, err := os.Open(skipperFlagsFile)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var names []string
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if l := strings.TrimSpace(sc.Text()); l != "" && !strings.HasPrefix(l, "#") {
			names = append(names, l)
		}
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return names
}

// The three groups a skipper flag lands in.
const (
	groupWorks   = "works"
	groupWarned  = "accepted with a warning"
	groupRefused = "refused"
)

// skipperFlagGroups parses a command line with each skipper v0.27 flag
// and sorts the flags by what happened: parsed without a word (works),
// parsed with one warning line naming it, or refused with a message
// naming it and saying it is not supported.
func skipperFlagGroups(t *testing.T) map[string]string {
	t.Helper()
	only := map[string]skipperOnly{}
	for _, f := range skipperOnlyFlags() {
		if _, dup := only[f.name]; dup {
			t.Errorf("-%s is listed twice", f.name)
		}
		only[f.name] = f
	}
	cfgFile := filepath.Join(t.TempDir(), "skipper.yaml")
	if err := os.WriteFile(cfgFile, []byte("address: \":9191\"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	// Values for flags whose default does not make a command line on its own.
	examples := map[string]string{
		"config-file": cfgFile,
		"breaker":     "type=consecutive,failures=5",
		"ratelimits":  "type=client,max-hits=20,time-window=60s",
		"version":     "true",
	}
	groups := map[string]string{}
	names := readSkipperFlags(t)
	inFile := map[string]bool{}
	for _, name := range names {
		inFile[name] = true
		fs := newServeFlags(&serveConfig{})
		fl := fs.Lookup(name)
		if fl == nil {
			t.Errorf("-%s: skiff does not define it", name)
			continue
		}
		value, ok := examples[name]
		switch {
		case ok:
		case only[name].name != "" && only[name].bool:
			value = "true"
		case only[name].name != "":
			value = "x"
		default:
			value = fl.DefValue
		}
		arg := "-" + name + "=" + value
		c, _, err := parseServeFlags([]string{arg, "-inline-routes", "r: * -> <shunt>;"}, Extensions{})
		var group string
		switch {
		case err != nil && strings.HasPrefix(err.Error(), "-"+name+": not supported by skiff: "):
			group = groupRefused
		case err != nil:
			t.Errorf("%s: error %q neither names the flag nor says it is not supported", arg, err)
			continue
		case len(c.warnings) == 0:
			group = groupWorks
		case len(c.warnings) == 1 && strings.HasPrefix(c.warnings[0], "-"+name+": ") && !strings.Contains(c.warnings[0], "\n"):
			group = groupWarned
		default:
			t.Errorf("%s: warnings %q", arg, c.warnings)
			continue
		}
		want := groupWorks
		if f, ok := only[name]; ok {
			want = map[skipperGroup]string{warned: groupWarned, refused: groupRefused}[f.group]
		}
		if group != want {
			t.Errorf("%s: %s, but skiff's table says %s", arg, group, want)
		}
		groups[name] = group
	}
	for name := range only {
		if !inFile[name] {
			t.Errorf("-%s is listed as a skipper flag but is not in %s", name, skipperFlagsFile)
		}
	}
	return groups
}

// TestSkipperFlags: every flag of skipper v0.27 lands in exactly one of
// the three groups, by parsing a command line with it.
func TestSkipperFlags(t *testing.T) {
	groups := skipperFlagGroups(t)
	n := map[string]int{}
	for _, g := range groups {
		n[g]++
	}
	t.Logf("%d skipper flags: %d work, %d accepted with a warning, %d refused", len(groups), n[groupWorks], n[groupWarned], n[groupRefused])
	if len(groups) != len(readSkipperFlags(t)) {
		t.Errorf("%d flags sorted of %d", len(groups), len(readSkipperFlags(t)))
	}
}

// TestSkipperFlagsDocumented: docs/migrating-from-skipper.md lists every
// skipper flag in the section of its group (a section may mention flags of
// other groups as what to use instead).
func TestSkipperFlagsDocumented(t *testing.T) {
	groups := skipperFlagGroups(t)
	doc, err := os.ReadFile("../docs/migrating-from-skipper.md")
	if err != nil {
		t.Fatal(err)
	}
	headings := map[string]string{
		"## Flags that work":                  groupWorks,
		"## Flags accepted with a warning":    groupWarned,
		"## Flags that are refused":           groupRefused,
		"## Remaining differences":            "",
		"## Filters and predicates":           "",
		"## Moving a skipper command line":    "",
		"## What the three groups mean":       "",
		"## Breakers and rate limits":         "",
		"## Listeners, TLS and route sources": "",
	}
	sections := map[string]string{}
	current := ""
	for _, line := range strings.Split(string(doc), "\n") {
		if strings.HasPrefix(line, "## ") {
			g, ok := headings[line]
			if !ok {
				t.Errorf("unexpected section %q", line)
			}
			current = g
			continue
		}
		if current != "" {
			sections[current] += line + "\n"
		}
	}
	for name, g := range groups {
		mark := "`-" + name + "`"
		if !strings.Contains(sections[g], mark) {
			t.Errorf("%s is not in the section %q", mark, g)
		}
	}
}

func TestSkipperFlagValues(t *testing.T) {
	dir := t.TempDir()
	cfg := filepath.Join(dir, "skipper.yaml")
	os.WriteFile(cfg, []byte(`
address: ":9191"
support-listener: ":9000"
breaker:
  - type: rate
    failures: 30
    window: 300
    timeout: 30s
  - host=api.example.org,failures=3
routes-urls: ["http://config.example/a.eskip", "http://config.example/b.eskip"]
source-poll-timeout: 5000
enable-proxy-protocol: true
`), 0o600)
	c, _, err := parseServeFlags([]string{
		"-config-file", cfg, "-address", ":8080", "-routes-urls", "/etc/skipper/local.eskip",
		"-proxy-allow-cidrs", "10.0.0.0/8,192.168.0.0/16",
		"-enable-tcp-queue", "-max-tcp-listener-concurrency", "100", "-max-tcp-listener-queue", "1000",
		"-tls-min-version", "1.3", "-tls-client-auth", "RequestClientCert",
		"-client-tls-cert", "a.crt,b.crt", "-client-tls-key", "a.key,b.key", "-enable-mtls", "-client-tls-cert-refresh-interval", "1m",
		"-max-idle-connection-backend", "500",
		"-ratelimits", "type=client,max-hits=20,time-window=60s",
		"-refuse-payload", "../", "-refuse-payload", "${jndi",
		"-max-loopbacks", "-1", "-upgrade-dial-timeout", "-1s",
		"-remove-hop-headers", "-serve-route-metrics",
	}, Extensions{})
	if err != nil {
		t.Fatal(err)
	}
	o := c.opts
	for _, tc := range []struct {
		name      string
		got, want any
	}{
		{"command line wins", o.Address, ":8080"},
		{"from the file", o.SupportListener, ":9000"},
		{"breakers", o.Breakers, []breaker.Settings{
			{Type: breaker.Rate, Failures: 30, Window: 300, Timeout: 30 * time.Second},
			{Type: breaker.Consecutive, Host: "api.example.org", Failures: 3},
		}},
		{"routes urls add up", o.RoutesURLs, []string{"http://config.example/a.eskip", "http://config.example/b.eskip", "/etc/skipper/local.eskip"}},
		{"poll", o.SourcePollTimeout, 5 * time.Second},
		{"proxy protocol", o.EnableProxyProtocol, true},
		{"allow", o.ProxyAllowCIDRs, []string{"10.0.0.0/8", "192.168.0.0/16"}},
		{"queue", []int{o.MaxTCPListenerConcurrency, o.MaxTCPListenerQueue}, []int{100, 1000}},
		{"queue on", o.EnableTCPQueue, true},
		{"tls min", o.TLSMinVersion, uint16(tls.VersionTLS13)},
		{"client auth", o.TLSClientAuth, tls.RequestClientCert},
		{"client cert", []string{o.ClientTLSCert, o.ClientTLSKey}, []string{"a.crt,b.crt", "a.key,b.key"}},
		{"mtls", []any{o.EnableMTLS, o.ClientTLSCertRefreshInterval}, []any{true, time.Minute}},
		{"max idle", o.MaxIdleConnsBackend, 500},
		{"ratelimits", o.Ratelimits, []settings.Ratelimit{{Type: settings.ClientRatelimit, MaxHits: 20, TimeWindow: time.Minute}}},
		{"refuse payload", o.RefusePayload, []string{"../", "${jndi"}},
		{"no loopbacks", o.MaxLoopbacks, -1},
		{"no upgrade dial limit", o.UpgradeDialTimeout, time.Duration(-1)},
		{"warnings", c.warnings, []string{
			"-remove-hop-headers: skiff removes hop-by-hop headers by default (-keep-hop-headers keeps them); ignored",
			"-serve-route-metrics: " + whyMetrics,
		}},
	} {
		if !reflect.DeepEqual(tc.got, tc.want) {
			t.Errorf("%s: got %#v, want %#v", tc.name, tc.got, tc.want)
		}
	}

	c, _, err = parseServeFlags([]string{"-inline-routes", "r: * -> <shunt>;", "-upgrade-dial-timeout", "0",
		"-max-tcp-listener-concurrency", "5", "-ratelimits", "type=service,max-hits=1,time-window=1s", "-ratelimits", "type=disabled"}, Extensions{})
	if err != nil {
		t.Fatal(err)
	}
	if c.opts.UpgradeDialTimeout != 0 {
		t.Errorf("-upgrade-dial-timeout 0 is %v, want the default (0 in Options)", c.opts.UpgradeDialTimeout)
	}
	if len(c.warnings) != 2 || !strings.Contains(c.warnings[0], "only the first") || !strings.Contains(c.warnings[1], "without -enable-tcp-queue") {
		t.Errorf("warnings %q", c.warnings)
	}
	if c.opts.TLSMinVersion != tls.VersionTLS12 {
		t.Errorf("default TLS min version %x", c.opts.TLSMinVersion)
	}
	if c.opts.MetricsMaxRoutes != settings.DefaultMetricsMaxRoutes || c.opts.DisableMetrics {
		t.Errorf("metrics defaults: %d routes, disabled %v", c.opts.MetricsMaxRoutes, c.opts.DisableMetrics)
	}
	c, _, err = parseServeFlags([]string{"-inline-routes", "r: * -> <shunt>;", "-metrics-max-routes", "-1", "-disable-metrics"}, Extensions{})
	if err != nil || c.opts.MetricsMaxRoutes != -1 || !c.opts.DisableMetrics {
		t.Errorf("metrics flags: %v %+v", err, c)
	}
}

func TestSkipperFlagErrors(t *testing.T) {
	r := []string{"-inline-routes", "r: * -> <shunt>;"}
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"-kubernetes"}, "-kubernetes: not supported by skiff: skiff has no Kubernetes data client"},
		{[]string{"-enable-open-policy-agent=false"}, "-enable-open-policy-agent: not supported by skiff"},
		{[]string{"-swarm-redis-urls", "r:6379"}, "-swarm-redis-urls: not supported by skiff"},
		{[]string{"-kubernetes-in-cluster=maybe"}, `invalid boolean value "maybe" for -kubernetes-in-cluster`},
		{[]string{"-breaker", "type=rate,failures=5"}, "a rate breaker without host needs window"},
		{[]string{"-breaker", "type=rate,failures=5,window=3"}, "window 3 must not be smaller than failures 5"},
		{[]string{"-breaker", "failures=x"}, `failures "x": want a positive integer`},
		{[]string{"-breaker", "type=fuse"}, `type "fuse": want consecutive, rate or disabled`},
		{[]string{"-breaker", "timeout=10s"}, "a breaker without host needs failures"},
		{[]string{"-ratelimits", "type=clusterClient,max-hits=1,time-window=1s"}, "type clusterClient is not supported by skiff"},
		{[]string{"-ratelimits", "type=client"}, "type client needs max-hits and time-window"},
		{[]string{"-ratelimits", "max-hits=1,window=1s"}, `unknown key "window"`},
		{[]string{"-ratelimits", "max-hits"}, `"max-hits" is not key=value (keys: type, max-hits, time-window, group)`},
		{[]string{"-breaker", "host=a,failures=1,size=3"}, `unknown key "size" (keys: type, host, failures, window, timeout, half-open-requests, idle-ttl)`},
		{[]string{"-breaker", "host=a, failures"}, `"failures" is not key=value`},
		{[]string{"-tls-min-version", "1.4"}, `-tls-min-version: "1.4" is not a TLS version`},
		{[]string{"-tls-client-auth", "yes"}, `-tls-client-auth: "yes": want NoClientCert`},
		{[]string{"-client-tls-cert", "a.crt"}, "-client-tls-cert and -client-tls-key: give both or neither"},
		{[]string{"-proxy-skip-cidrs", "10.0.0.0/40"}, `-proxy-skip-cidrs: "10.0.0.0/40" is not a CIDR`},
		{[]string{"-source-poll-timeout", "0"}, "-source-poll-timeout: 0 must be positive"},
		{[]string{"-max-idle-connection-backend", "-1"}, "-max-idle-connection-backend: -1 must not be negative"},
		{[]string{"-config-file", "/nonexistent/skipper.yaml"}, "-config-file: open /nonexistent/skipper.yaml"},
	} {
		_, _, err := parseServeFlags(append(r, tc.args...), Extensions{})
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%q: error %v, want %q", tc.args, err, tc.want)
		}
	}

	cfg := filepath.Join(t.TempDir(), "c.yaml")
	os.WriteFile(cfg, []byte("no-such-flag: 1\n"), 0o600)
	if _, _, err := parseServeFlags(append(r, "-config-file", cfg), Extensions{}); err == nil || !strings.Contains(err.Error(), `"no-such-flag" is not a flag`) {
		t.Errorf("unknown key: %v", err)
	}
	os.WriteFile(cfg, []byte("kubernetes: true\n"), 0o600)
	if _, _, err := parseServeFlags(append(r, "-config-file", cfg), Extensions{}); err == nil || !strings.Contains(err.Error(), "-kubernetes: not supported") {
		t.Errorf("refused flag in the file: %v", err)
	}
}

func TestSkipperRunMessages(t *testing.T) {
	var out, errOut bytes.Buffer
	if code := Run(Extensions{}, []string{"-inline-routes", "r: * -> <shunt>;", "-enable-swarm"}, nil, &out, &errOut); code != 2 {
		t.Errorf("refused flag: exit %d", code)
	}
	if !strings.Contains(errOut.String(), "-enable-swarm: not supported by skiff") {
		t.Errorf("message %q", errOut.String())
	}
	out.Reset()
	if code := Run(Extensions{}, []string{"-help-flags"}, nil, &out, &errOut); code != 0 ||
		strings.Contains(out.String(), "-kubernetes") || !strings.Contains(out.String(), "-breaker") ||
		!strings.Contains(out.String(), "migrating-from-skipper.md") {
		t.Errorf("-help-flags: exit %d, lists skipper's refused flags or not the working ones", code)
	}
	out.Reset()
	if code := Run(Extensions{}, []string{"-version"}, nil, &out, &errOut); code != 0 || !strings.HasPrefix(out.String(), "skiff ") {
		t.Errorf("-version: exit %d, %q", code, out.String())
	}
}

func TestAppLogger(t *testing.T) {
	var buf bytes.Buffer
	l := appLogger(&buf, "WARN", "[SKIFF]", false)
	l.Info("hidden")
	l.Warn("shown")
	if s := buf.String(); !strings.HasPrefix(s, "[SKIFF]") || strings.Contains(s, "hidden") || !strings.Contains(s, "shown") {
		t.Errorf("text log %q", s)
	}
	buf.Reset()
	appLogger(&buf, "INFO", "[APP]", true).Info("hello")
	var m map[string]any
	if err := json.Unmarshal(buf.Bytes(), &m); err != nil || m["msg"] != "hello" {
		t.Errorf("JSON log %q: %v", buf.String(), err)
	}
}
