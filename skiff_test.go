package skiff

import (
	"context"
	"errors"
	"io"
	"net"
	"os"
	"path/filepath"
	"runtime/debug"
	"strings"
	"testing"
	"time"

	"github.com/sirupsen/logrus"

	"github.com/skiff-proxy/skiff/dataclients"
	"github.com/skiff-proxy/skiff/dataclients/file"
	"github.com/skiff-proxy/skiff/eskip"
)

func quietLog() logrus.FieldLogger {
	l := logrus.New()
	l.SetOutput(io.Discard)
	return l
}

func TestRunConfigErrors(t *testing.T) {
	dir := t.TempDir()
	good := filepath.Join(dir, "good.eskip")
	bad := filepath.Join(dir, "bad.eskip")
	os.WriteFile(good, []byte(`r: * -> <shunt>;`), 0o644)
	os.WriteFile(bad, []byte("a: * -> <shunt>;\nb: Path(\"/\") -> setPath(\"/x\" -> <shunt>;\n"), 0o644)
	// A sparse file over the routes-file size limit: nothing is read.
	huge := filepath.Join(dir, "huge.eskip")
	if err := os.WriteFile(huge, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Truncate(huge, file.DefaultMaxSize+1); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name   string
		o      Options
		option string
		want   string
	}{
		{"syntax error names file:line:col", Options{RoutesFiles: []string{good, bad}}, "routes-file " + bad, bad + ":2:"},
		{"missing file", Options{RoutesFiles: []string{filepath.Join(dir, "nope.eskip")}}, "routes-file", "no such file"},
		{"file over the size limit", Options{RoutesFiles: []string{huge}}, "routes-file", "over the limit"},
		{"bad inline routes", Options{InlineRoutes: "r: * -> "}, "inline-routes", "inline-routes:1:"},
		{"no route source", Options{}, "routes", "no route source"},
		{"bad prepend", Options{RoutesFiles: []string{good}, DefaultFiltersPrepend: []string{"setPath("}}, "default-filters-prepend", "setPath("},
		{"bad append", Options{RoutesFiles: []string{good}, DefaultFiltersAppend: []string{"-> x()"}}, "default-filters-append", "x()"},
		{"bad level", Options{RoutesFiles: []string{good}, LogLevel: "chatty"}, "LogLevel", "chatty"},
		{"cert without key", Options{RoutesFiles: []string{good}, TLSCert: "c.pem"}, "TLSCert/TLSKey", "both"},
		{"unreadable cert", Options{RoutesFiles: []string{good}, TLSCert: good, TLSKey: good}, "TLSCert/TLSKey", "PEM"},
		{"bad status", Options{RoutesFiles: []string{good}, DefaultHTTPStatus: 1000}, "DefaultHTTPStatus", "1000"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if tc.o.Log == nil && tc.o.LogLevel == "" {
				tc.o.Log = quietLog()
			}
			err := Run(context.Background(), tc.o)
			var ce *ConfigError
			if !errors.As(err, &ce) {
				t.Fatalf("error %v (%T), want a *ConfigError", err, err)
			}
			if ce.Option != tc.option {
				t.Errorf("option %q, want %q", ce.Option, tc.option)
			}
			if !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error %q does not contain %q", err, tc.want)
			}
		})
	}
}

func TestRunListenerInUse(t *testing.T) {
	busy, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer busy.Close()
	err = Run(context.Background(), Options{
		InlineRoutes: `r: * -> <shunt>;`, Address: busy.Addr().String(),
		DisableSupportListener: true, Log: quietLog(), AccessLogDisabled: true,
	})
	if err == nil || !strings.Contains(err.Error(), "proxy listener "+busy.Addr().String()) {
		t.Errorf("error %v, want one naming the proxy listener", err)
	}
	var ce *ConfigError
	if errors.As(err, &ce) {
		t.Error("a busy port is a runtime failure, not a configuration error")
	}
}

// A context canceled before the routes load still shuts down cleanly.
func TestRunCanceledEarly(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	start := time.Now()
	err := Run(ctx, Options{
		InlineRoutes: `r: * -> <shunt>;`, Address: "127.0.0.1:0", SupportListener: "127.0.0.1:0",
		Log: quietLog(), AccessLogDisabled: true, WaitFirstRouteLoad: true,
	})
	if err != nil {
		t.Errorf("Run: %v", err)
	}
	if time.Since(start) > 5*time.Second {
		t.Errorf("took %s: the drain period must not apply before serving", time.Since(start))
	}
}

func TestRunClosesGivenListeners(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	sln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	err = Run(ctx, Options{InlineRoutes: `r: * -> <shunt>;`, Listener: ln, SupportNetListener: sln,
		Log: quietLog(), AccessLogDisabled: true, WaitFirstRouteLoad: true})
	if err != nil {
		t.Fatal(err)
	}
	for _, l := range []net.Listener{ln, sln} {
		if c, err := net.Dial("tcp", l.Addr().String()); err == nil {
			c.Close()
			t.Errorf("%s still accepts connections after Run returned", l.Addr())
		}
	}
}

// gatedClient delivers its route when open is closed.
type gatedClient struct{ open chan struct{} }

func (gatedClient) Name() string { return "gated" }

func (g gatedClient) Run(ctx context.Context, out chan<- dataclients.Update) error {
	select {
	case <-g.open:
	case <-ctx.Done():
		return nil
	}
	select {
	case out <- dataclients.Update{Reset: true, Upserts: []*eskip.Route{{Id: "r", BackendType: eskip.ShuntBackend}}}:
	case <-ctx.Done():
		return nil
	}
	<-ctx.Done()
	return nil
}

// gcPercent reads the collector's percentage.
func gcPercent() int {
	p := debug.SetGCPercent(100)
	debug.SetGCPercent(p)
	return p
}

// Until the first routes serve the GC percentage is at least 400; then
// it follows the live heap again (with a headroom of one byte: Go's).
func TestRunRaisesGCUntilFirstRoutes(t *testing.T) {
	t.Setenv("GOGC", "")
	base := gcPercent()
	gate := gatedClient{open: make(chan struct{})}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		done <- Run(ctx, Options{CustomDataClients: []dataclients.DataClient{gate}, GCHeapHeadroom: 1,
			Address: "127.0.0.1:0", SupportListener: "127.0.0.1:0", Log: quietLog(), AccessLogDisabled: true,
			WaitForHealthcheckInterval: time.Millisecond})
	}()
	defer func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("Run: %v", err)
		}
	}()
	waitPercent := func(what string, ok func(int) bool) {
		t.Helper()
		for deadline := time.Now().Add(10 * time.Second); !ok(gcPercent()); time.Sleep(5 * time.Millisecond) {
			if time.Now().After(deadline) {
				t.Fatalf("%s: GC percentage %d", what, gcPercent())
			}
		}
	}
	waitPercent("while the routes load", func(p int) bool { return p >= startupGCPercent })
	close(gate.open)
	waitPercent("once they serve", func(p int) bool { return p == base })
}
