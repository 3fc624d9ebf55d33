package settings

import (
	"io"
	"net/http"
	"testing"
	"time"

	"github.com/sirupsen/logrus"
	"github.com/skiff-proxy/skiff/proxy/inbound"
)

func quietLog() logrus.FieldLogger {
	l := logrus.New()
	l.SetOutput(io.Discard)
	return l
}

func TestResolveDefaults(t *testing.T) {
	c, err := Resolve(Options{InlineRoutes: `r: * -> <shunt>;`, Log: quietLog(), WriteTimeoutServer: 0, IdleTimeoutServer: -1})
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name      string
		got, want any
	}{
		{"address", c.Address, DefaultAddress},
		{"support", c.SupportListener, DefaultSupportListener},
		{"loopbacks", c.MaxLoopbacks, DefaultMaxLoopbacks},
		{"status", c.DefaultHTTPStatus, DefaultHTTPStatus},
		{"read", c.ReadTimeoutServer, DefaultReadTimeoutServer},
		{"read header", c.ReadHeaderTimeoutServer, DefaultReadHeaderTimeoutServer},
		{"write off", c.WriteTimeoutServer, time.Duration(0)},
		{"idle off", c.IdleTimeoutServer, time.Duration(0)},
		{"drain", c.WaitForHealthcheckInterval, DefaultWaitForHealthcheckInterval},
		{"shutdown", c.ShutdownTimeout, DefaultShutdownTimeout},
		{"header bytes", c.MaxHeaderBytes, DefaultMaxHeaderBytes},
		{"park", c.Inbound.ParkIdleAfter, DefaultParkIdleAfter},
		{"gc headroom", c.GCHeapHeadroom, int64(DefaultGCHeapHeadroom)},
	} {
		if tc.got != tc.want {
			t.Errorf("%s: %v, want %v", tc.name, tc.got, tc.want)
		}
	}
}

// TestResolveParkNever: a negative ParkIdleAfter turns parking off, which
// the connection guard spells negative too (its zero is its default); a
// negative GCHeapHeadroom leaves the garbage collector to Go's rule.
func TestResolveParkNever(t *testing.T) {
	c, err := Resolve(Options{InlineRoutes: `r: * -> <shunt>;`, Log: quietLog(), ParkIdleAfter: -1, GCHeapHeadroom: -1})
	if err != nil {
		t.Fatal(err)
	}
	if c.Inbound.ParkIdleAfter >= 0 {
		t.Errorf("inbound ParkIdleAfter %v, want negative (never)", c.Inbound.ParkIdleAfter)
	}
	if c.GCHeapHeadroom != 0 {
		t.Errorf("GCHeapHeadroom %d, want 0 (off)", c.GCHeapHeadroom)
	}
}

// NetHTTPServer reaches the proxy listener, whose server then leaves every
// connection to net/http's; by default skiff's own serves in front.
func TestResolveNetHTTPServer(t *testing.T) {
	for _, on := range []bool{false, true} {
		c, err := Resolve(Options{InlineRoutes: `r: * -> <shunt>;`, Log: quietLog(), NetHTTPServer: on})
		if err != nil {
			t.Fatal(err)
		}
		if s := inbound.NewServer(c.Inbound, http.NotFoundHandler()); s.NetHTTPOnly != on {
			t.Errorf("NetHTTPServer %v: the proxy server's NetHTTPOnly is %v", on, s.NetHTTPOnly)
		}
	}
}
