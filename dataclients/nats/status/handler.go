package status

import (
	"io"
	"net"
	"net/http"
	"time"
)

// Config configures the status handler.
type Config struct {
	// User and Password are the basic-auth credentials of /routes and
	// /varz (status.user, status.pass).
	User, Password string
	// EnableVarz is status.enable_deprecated_varz_healthz_endpoints: it
	// adds /healthz and /varz.
	EnableVarz bool
	// Index and Host are reported by /varz ("host" is "<status host>:<port>").
	// A Server serving the handler fills in the address it listens on
	// when Host is empty or names port 0.
	Index int
	Host  string
	// Varz is the optional source of the router and table figures of
	// /varz; nil reports zeros.
	Varz Varz
	// UUID is /varz's "uuid"; empty means "<Index>-<random UUID>".
	UUID string
	// Start is the process start /varz reports; zero means the time
	// NewHandler was called.
	Start time.Time
	// OmitRoutes answers /routes with 404 unless EnableVarz is set. That
	// is gorouter's health port (status.port, on all interfaces), which
	// serves /routes only in the deprecated mode; its /routes listener is
	// the loopback-only one.
	OmitRoutes bool
}

const (
	pathHealth  = "/health"
	pathAlive   = "/is-process-alive-do-not-use-for-loadbalancing"
	pathRoutes  = "/routes"
	pathHealthz = "/healthz"
	pathVarz    = "/varz"
)

type handler struct {
	noRoutes bool
	routes   Routes
	health   Health
	auth     basicAuth
	varz     *varzHandler // nil unless Config.EnableVarz
}

// NewHandler returns the status listener's handler. A nil routes serves an
// empty document; a nil health is never healthy, so a router that cannot
// say it is ready gets no traffic.
func NewHandler(c Config, routes Routes, health Health) http.Handler {
	h := &handler{
		noRoutes: c.OmitRoutes && !c.EnableVarz,
		routes:   routes,
		health:   health,
		auth:     newBasicAuth(c.User, c.Password),
	}
	if c.EnableVarz {
		h.varz = newVarzHandler(c)
	}
	return h
}

// listening is told by a Server the address it serves the handler on:
// /varz reports it as its "host" unless Config.Host names one already.
// The Server calls it before it serves, so no request reads host
// concurrently.
func (h *handler) listening(a net.Addr) {
	if h.varz == nil {
		return
	}
	if _, port, err := net.SplitHostPort(h.varz.host); h.varz.host == "" || err == nil && port == "0" {
		h.varz.host = a.String()
	}
}

// ServeHTTP dispatches on the exact path: gorouter's mux matches these
// paths exactly, and a path that is not listed is 404 rather than a
// redirect to a cleaned path. Methods are not checked, as in gorouter.
func (h *handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	switch r.URL.Path {
	case pathHealth:
		h.serveHealth(w)
	case pathAlive:
		writeOK(w)
	case pathRoutes:
		if h.noRoutes {
			http.NotFound(w, r)
			return
		}
		if !h.auth.allowed(r) {
			unauthorized(w)
			return
		}
		h.serveRoutes(w)
	case pathHealthz:
		if h.varz == nil {
			http.NotFound(w, r)
			return
		}
		h.serveHealth(w)
	case pathVarz:
		if h.varz == nil {
			http.NotFound(w, r)
			return
		}
		if !h.auth.allowed(r) {
			unauthorized(w)
			return
		}
		h.varz.serve(w)
	default:
		http.NotFound(w, r)
	}
}

// serveHealth answers load balancers (§12.1).
func (h *handler) serveHealth(w http.ResponseWriter) {
	status, header, body := HealthAnswer(h.health != nil && h.health.Healthy())
	for k, v := range header {
		w.Header()[k] = v
	}
	w.WriteHeader(status)
	_, _ = io.WriteString(w, body)
}

// HealthAnswer is the router's health answer (§12.1), on /health and to
// the health-check User-Agent on the proxy port: 200 "ok\n" or an empty
// 503. It must not be cached and its connection is closed after it, so
// that every probe opens a new connection and a draining router is
// noticed at once. header is the caller's own.
func HealthAnswer(healthy bool) (status int, header http.Header, body string) {
	header = http.Header{"Cache-Control": {"private, max-age=0"}, "Expires": {"0"}, "Connection": {"close"}}
	if !healthy {
		return http.StatusServiceUnavailable, header, ""
	}
	header["Content-Type"] = []string{"text/plain; charset=utf-8"}
	return http.StatusOK, header, "ok\n"
}

func writeOK(w http.ResponseWriter) {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write([]byte("ok\n"))
}
