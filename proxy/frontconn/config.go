package frontconn

import (
	"net"
	"time"

	"github.com/sirupsen/logrus"
)

// Defaults of the zero Config fields.
const (
	DefaultMaxRequestLineBytes       = 64 << 10
	DefaultMaxHeaderBytes            = 1 << 20
	DefaultMaxTotalHeaderBytes int64 = 16 << 20
	DefaultParkIdleAfter             = time.Second
)

// allowance is what every connection may hold of an incomplete request
// head without drawing on the listener's budget: ordinary heads fit, so
// only unusually large ones touch the shared counter. It is also the most
// the guard reads ahead of what net/http asked for.
const allowance = 8 << 10

// Config sets the limits of a guarded listener. Zero fields take the
// defaults.
type Config struct {
	// MaxRequestLineBytes bounds the request line (method, target and
	// version, without the line ending). A longer one is answered 414.
	MaxRequestLineBytes int

	// MaxHeaderBytes bounds one request head: request line, field lines
	// and the empty line ending them. A larger head is answered 431.
	// Give it the http.Server's MaxHeaderBytes: net/http allows 4 KiB more
	// than that, so its own limit never fires first.
	MaxHeaderBytes int

	// MaxTotalHeaderBytes is shared by all connections of the listener: it
	// bounds the memory held for request heads that are not complete yet,
	// beyond the 8 KiB every connection may hold on its own. A connection
	// whose head needs more while the budget is spent is answered 503
	// (Service Unavailable) and closed: the head is within the per-request
	// limit, so 431 would wrongly tell the client to send a smaller one,
	// while 503 says the server is short of a resource for now.
	MaxTotalHeaderBytes int64

	// HeadTimeout, when positive, bounds the time from the first byte of a
	// request head to its end; a head that takes longer ends the
	// connection like http.Server.ReadHeaderTimeout does. Set it to the
	// server's ReadHeaderTimeout: net/http starts that timer only once the
	// first bytes of a keep-alive request are readable, which the guard
	// reports only when the whole head is there, so without it the heads
	// of keep-alive requests are bounded by the idle timeout alone.
	HeadTimeout time.Duration

	// H2C passes a connection that starts with the HTTP/2 connection
	// preface through untouched for its whole life. Set it when the
	// http.Server serves unencrypted HTTP/2 (Protocols.UnencryptedHTTP2);
	// without it the preface is an HTTP/2.0 request line and gets 505.
	H2C bool

	// ParkIdleAfter is how long a keep-alive connection waits for its
	// next request inside net/http before the guard takes it back
	// (zero: DefaultParkIdleAfter; negative: never). net/http holds a
	// goroutine with its stack (8 KiB once it has served a request
	// through the proxy) and two 4 KiB buffers for every connection as
	// long as it is open, idle or not. Parking ends net/http's side of an
	// idle connection, which returns the buffers to net/http's pools and
	// ends the goroutine, and waits for the next byte with one goroutine
	// of a small stack and nothing else; the listener's Accept then hands
	// the connection out again, and net/http serves it like a new one.
	// The read deadline net/http set for the idle wait (IdleTimeout)
	// still closes a parked connection. Listener.Close closes the parked
	// connections, as http.Server.Shutdown does with idle ones. The
	// server sees each such period as a connection of its own
	// (ConnState, ConnContext). Requires Handler: only the guard's
	// handler knows that a request is over and its connection was not
	// hijacked.
	ParkIdleAfter time.Duration

	// Logger, if set, gets one debug line per refused request or broken
	// body: they are triggered by clients at will, so never more.
	Logger logrus.FieldLogger
}

// settings is the normalised Config of one listener, shared by its
// connections.
type settings struct {
	maxLine     int
	maxHead     int
	headTimeout time.Duration
	h2c         bool
	log         logrus.FieldLogger
	budget      budget
	parkAfter   time.Duration // <= 0: no parking
	park        *listener     // the listener that parks, or nil
}

func newSettings(cfg Config) *settings {
	s := &settings{
		maxLine:     cfg.MaxRequestLineBytes,
		maxHead:     cfg.MaxHeaderBytes,
		headTimeout: cfg.HeadTimeout,
		h2c:         cfg.H2C,
		log:         cfg.Logger,
		parkAfter:   cfg.ParkIdleAfter,
	}
	if s.parkAfter == 0 {
		s.parkAfter = DefaultParkIdleAfter
	}
	if s.maxLine <= 0 {
		s.maxLine = DefaultMaxRequestLineBytes
	}
	if s.maxHead <= 0 {
		s.maxHead = DefaultMaxHeaderBytes
	}
	s.budget.limit = cfg.MaxTotalHeaderBytes
	if s.budget.limit <= 0 {
		s.budget.limit = DefaultMaxTotalHeaderBytes
	}
	return s
}

func (s *settings) debug(remote net.Addr, status int, reason string) {
	if s.log == nil {
		return
	}
	f := logrus.Fields{"reason": reason}
	if remote != nil {
		f["remote"] = remote.String()
	}
	if status != 0 {
		f["status"] = status
	}
	s.log.WithFields(f).Debug("frontconn: request refused")
}
