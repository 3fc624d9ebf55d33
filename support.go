package skiff

import (
	"errors"
	"fmt"
	"net"
	"net/http"
	"time"

	"github.com/sirupsen/logrus"

	"github.com/skiff-proxy/skiff/proxy/inbound"
)

// Bounds of the support listener. Its answers are small or, for
// /debug/pprof/profile and /trace, take at most the asked-for seconds
// (30 by default), so a client that stops reading or trickles a request
// is cut after a few minutes instead of holding a goroutine for ever.
const (
	supportReadHeaderTimeout = 10 * time.Second
	supportReadTimeout       = time.Minute
	supportWriteTimeout      = 5 * time.Minute
	supportMaxHeaderBytes    = 64 << 10
)

// newSupportServer is the server of /health, /routes and /debug/pprof.
func newSupportServer(c *config, h http.Handler, l logrus.FieldLogger) *http.Server {
	return &http.Server{
		Handler:           h,
		ReadHeaderTimeout: supportReadHeaderTimeout,
		ReadTimeout:       supportReadTimeout,
		WriteTimeout:      supportWriteTimeout,
		IdleTimeout:       c.IdleTimeoutServer,
		MaxHeaderBytes:    supportMaxHeaderBytes,
		ErrorLog:          inbound.ErrorLog(l),
	}
}

func serveSupport(s *http.Server, ln net.Listener) error {
	if err := s.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
		return fmt.Errorf("support listener: %w", err)
	}
	return nil
}
