package settings

import (
	"io"
	"net/http"
	"testing"

	"github.com/sirupsen/logrus"

	"github.com/skiff-proxy/skiff/admin"
	"github.com/skiff-proxy/skiff/proxy/inbound"
)

// TestServerBounds: both listeners bound how long and how much a client
// may send and how long a response may wait for a client that does not
// read, with the defaults (docs/operations.md; the support listener has
// fixed bounds).
func TestServerBounds(t *testing.T) {
	c, err := Resolve(Options{InlineRoutes: `r: * -> <shunt>;`})
	if err != nil {
		t.Fatal(err)
	}
	l := logrus.New()
	l.SetOutput(io.Discard)
	for _, tc := range []struct {
		name      string
		s         *http.Server
		wantWrite bool
	}{
		// The proxy's write timeout is per route (writeTimeout): a global
		// one would cut long downloads and streams.
		{"proxy", inbound.NewServer(c.Inbound, http.NotFoundHandler()).HTTP, false},
		{"support", admin.NewServer(http.NotFoundHandler(), c.IdleTimeoutServer, nil), true},
	} {
		s := tc.s
		if s.ReadHeaderTimeout <= 0 || s.ReadTimeout <= 0 || s.IdleTimeout <= 0 || s.MaxHeaderBytes <= 0 {
			t.Errorf("%s: read header %v, read %v, idle %v, max header bytes %d", tc.name,
				s.ReadHeaderTimeout, s.ReadTimeout, s.IdleTimeout, s.MaxHeaderBytes)
		}
		if (s.WriteTimeout > 0) != tc.wantWrite {
			t.Errorf("%s: write timeout %v", tc.name, s.WriteTimeout)
		}
	}
}
