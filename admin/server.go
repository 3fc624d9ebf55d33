package admin

import (
	"context"
	"errors"
	"fmt"
	"log"
	"net"
	"net/http"
	"time"
)

// Bounds of the support listener. Its answers are small or, for
// /debug/pprof/profile and /trace, take at most the asked-for seconds
// (30 by default), so a client that stops reading or trickles a request
// is cut after a few minutes instead of holding a goroutine for ever.
const (
	readHeaderTimeout = 10 * time.Second
	readTimeout       = time.Minute
	writeTimeout      = 5 * time.Minute
	maxHeaderBytes    = 64 << 10
)

// NewServer returns the support listener's server for h, with those
// bounds; idle is its keep-alive idle timeout.
func NewServer(h http.Handler, idle time.Duration, errorLog *log.Logger) *http.Server {
	return &http.Server{
		Handler:           h,
		ReadHeaderTimeout: readHeaderTimeout,
		ReadTimeout:       readTimeout,
		WriteTimeout:      writeTimeout,
		IdleTimeout:       idle,
		MaxHeaderBytes:    maxHeaderBytes,
		ErrorLog:          errorLog,
	}
}

// Serve serves s on ln until s is shut down.
func Serve(s *http.Server, ln net.Listener) error {
	if err := s.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
		return fmt.Errorf("support listener: %w", err)
	}
	return nil
}

// Shutdown stops s (nil: nothing to do), giving requests in flight a
// second: its answers are short.
func Shutdown(s *http.Server) {
	if s == nil {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	if err := s.Shutdown(ctx); err != nil {
		s.Close()
	}
}
