package config

import (
	"bytes"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/skiff-proxy/skiff/accesslog"
	"github.com/skiff-proxy/skiff/settings"
)

func TestServeFlagDefaults(t *testing.T) {
	c, _, err := parseServeFlags([]string{"-routes-file", "r.eskip"}, Extensions{})
	if err != nil {
		t.Fatal(err)
	}
	o := c.opts
	for _, tc := range []struct {
		name      string
		got, want any
	}{
		{"address", o.Address, ":9090"},
		{"support listener", o.SupportListener, "127.0.0.1:9911"},
		{"support disabled", o.DisableSupportListener, false},
		{"profile enabled", o.EnableProfile, false},
		{"query validation disabled", o.DisableValidateQuery, false},
		{"last valid routes kept", o.DropInvalidRouteUpdates, false},
		{"routes files", o.RoutesFiles, []string{"r.eskip"}},
		{"max loopbacks", o.MaxLoopbacks, 9},
		{"default status", o.DefaultHTTPStatus, 404},
		{"read timeout", o.ReadTimeoutServer, 5 * time.Minute},
		{"read header timeout", o.ReadHeaderTimeoutServer, time.Minute},
		{"write timeout off", o.WriteTimeoutServer, time.Duration(-1)},
		{"idle timeout", o.IdleTimeoutServer, time.Minute},
		{"dial timeout", o.TimeoutBackend, time.Minute},
		{"drain", o.WaitForHealthcheckInterval, 45 * time.Second},
		{"shutdown timeout", o.ShutdownTimeout, 30 * time.Second},
		{"idle conns", o.IdleConnsPerHost, 64},
		{"upgrade dial", o.UpgradeDialTimeout, 30 * time.Second},
		{"log level", o.LogLevel, "INFO"},
		{"normalize host", o.NormalizeHost, false},
	} {
		if !reflect.DeepEqual(tc.got, tc.want) {
			t.Errorf("%s: got %v, want %v", tc.name, tc.got, tc.want)
		}
	}
}

func TestServeFlagValues(t *testing.T) {
	c, _, err := parseServeFlags([]string{
		"-address", ":8080", "-routes-file", "a.eskip, b.eskip", "-routes-file", "c.eskip",
		"-inline-routes", `r: * -> <shunt>`, "-support-listener", "",
		"-default-filters-prepend", `setPath("/x")`, "-default-filters-prepend", `status(200)`,
		"-default-filters-append", `setResponseHeader("a", "b")`,
		"-wait-for-healthcheck-interval", "0", "-read-timeout-server", "0s", "-idle-timeout-server", "3s",
		"-max-loopbacks", "0", "-proxy-preserve-host", "-keep-hop-headers", "-access-log-json-enabled",
		"-access-log-format", "gorouter",
		"-enable-ratelimits", "-enable-breakers", "-enable-h2c-server", "-application-log-level", "debug",
		"-default-http-status", "503", "-enable-profile", "-disabled-filters", "tee,compress",
		"-validate-query=false", "-keep-last-valid-routes=false", "-forwarded-headers", "X-Forwarded-For, X-Forwarded-Proto=auto",
		"-forwarded-headers-exclude-cidrs", "10.0.0.0/8", "-max-content-length", "1024",
		"-forward-backend-url", "http://fwd.example:8080", "-normalize-host",
		"-edit-route", `/a,b/c/`, "-edit-route", `#x#y#`, "-clone-route", `/p/q/`,
	}, Extensions{})
	if err != nil {
		t.Fatal(err)
	}
	o := c.opts
	for _, tc := range []struct {
		name      string
		got, want any
	}{
		{"address", o.Address, ":8080"},
		{"routes files", o.RoutesFiles, []string{"a.eskip", "b.eskip", "c.eskip"}},
		{"inline", o.InlineRoutes, `r: * -> <shunt>`},
		{"support disabled", o.DisableSupportListener, true},
		{"prepend", o.DefaultFiltersPrepend, []string{`setPath("/x")`, `status(200)`}},
		{"append", o.DefaultFiltersAppend, []string{`setResponseHeader("a", "b")`}},
		{"forward backend", o.ForwardBackendURL, "http://fwd.example:8080"},
		{"normalize host", o.NormalizeHost, true},
		{"edit route", o.EditRoute, []string{`/a,b/c/`, `#x#y#`}},
		{"clone route", o.CloneRoute, []string{`/p/q/`}},
		{"no drain", o.WaitForHealthcheckInterval, time.Duration(-1)},
		{"no read timeout", o.ReadTimeoutServer, time.Duration(-1)},
		{"idle", o.IdleTimeoutServer, 3 * time.Second},
		{"no loopbacks", o.MaxLoopbacks, -1},
		{"preserve host", o.PreserveHost, true},
		{"keep hop", o.KeepHopHeaders, true},
		{"json log", o.AccessLogJSON, true},
		{"log format", o.AccessLogFormat, accesslog.FormatGorouter},
		{"ratelimits", o.EnableRatelimits, true},
		{"breakers", o.EnableBreakers, true},
		{"h2c", o.EnableH2C, true},
		{"level", o.LogLevel, "debug"},
		{"status", o.DefaultHTTPStatus, 503},
		{"profile on", o.EnableProfile, true},
		{"query validation off", o.DisableValidateQuery, true},
		{"invalid updates dropped", o.DropInvalidRouteUpdates, true},
		{"forwarded headers", o.ForwardedHeaders, []string{"X-Forwarded-For", "X-Forwarded-Proto=auto"}},
		{"forwarded exclude", o.ForwardedHeadersExcludeCIDRs, []string{"10.0.0.0/8"}},
		{"max content length", o.MaxContentLength, int64(1024)},
		{"disabled filters", o.DisabledFilters, []string{"tee", "compress"}},
	} {
		if !reflect.DeepEqual(tc.got, tc.want) {
			t.Errorf("%s: got %#v, want %#v", tc.name, tc.got, tc.want)
		}
	}
}

func TestServeFlagErrors(t *testing.T) {
	r := []string{"-routes-file", "r.eskip"}
	for _, tc := range []struct {
		name string
		args []string
		want string
	}{
		{"unknown flag", append(r, "-nope"), "flag provided but not defined: -nope"},
		{"bad duration", append(r, "-read-timeout-server", "5"), `invalid value "5" for flag -read-timeout-server: not a duration`},
		{"negative duration", append(r, "-shutdown-timeout", "-1s"), "-shutdown-timeout: must not be negative"},
		{"bad int", append(r, "-max-loopbacks", "x"), `invalid value "x" for flag -max-loopbacks`},
		{"bad bool", append(r, "-proxy-preserve-host=maybe"), `invalid boolean value "maybe" for -proxy-preserve-host`},
		{"bad status", append(r, "-default-http-status", "42"), "-default-http-status: 42 is not an HTTP status"},
		{"bad level", append(r, "-application-log-level", "LOUD"), `-application-log-level: "LOUD" is not a level`},
		{"cert without key", append(r, "-tls-cert", "c.pem"), "-tls-cert and -tls-key: give both or neither"},
		{"h2c with tls", append(r, "-tls-cert", "c", "-tls-key", "k", "-enable-h2c-server"), "-enable-h2c-server: only for a non-TLS listener"},
		{"stray argument", append(r, "serve"), `unexpected argument "serve"`},
		{"no routes", []string{"-address", ":1"}, "no routes: give -routes-file, -routes-urls, -inline-routes, -etcd-urls or -nats-servers"},
		{"empty address", append(r, "-address", ""), "-address: must not be empty"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, _, err := parseServeFlags(tc.args, Extensions{})
			if err == nil {
				t.Fatalf("no error, want %q", tc.want)
			}
			if !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error %q, want it to contain %q", err, tc.want)
			}
		})
	}
}

func TestServeExitCodes(t *testing.T) {
	var out, errOut bytes.Buffer
	if code := Run(Extensions{}, []string{"-help-flags"}, nil, &out, &errOut); code != 0 {
		t.Errorf("-help-flags: exit %d", code)
	}
	for _, name := range []string{"-routes-file", "-wait-for-healthcheck-interval", "-enable-h2c-server", "-access-log-json-enabled"} {
		if !strings.Contains(out.String(), name) {
			t.Errorf("-help-flags does not list %s", name)
		}
	}
	out.Reset()
	if code := Run(Extensions{}, []string{"-routes-file", "x", "-bogus"}, nil, &out, &errOut); code != 2 {
		t.Errorf("unknown flag: exit %d, want 2", code)
	}
	if !strings.Contains(errOut.String(), "-bogus") || !strings.Contains(errOut.String(), "-help-flags") {
		t.Errorf("unknown flag message: %q", errOut.String())
	}
}

// The defaults the binary shows must be the library's.
func TestServeDefaultsMatchLibrary(t *testing.T) {
	c, _, err := parseServeFlags([]string{"-inline-routes", "r: * -> <shunt>;"}, Extensions{})
	if err != nil {
		t.Fatal(err)
	}
	if c.opts.Address != settings.DefaultAddress || c.opts.ShutdownTimeout != settings.DefaultShutdownTimeout {
		t.Errorf("defaults differ from package skiff")
	}
}
