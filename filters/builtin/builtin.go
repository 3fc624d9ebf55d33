package builtin

import (
	"fmt"

	"github.com/skiff-proxy/skiff/filters"
	"github.com/skiff-proxy/skiff/filters/annotate"
	"github.com/skiff-proxy/skiff/filters/auth"
	"github.com/skiff-proxy/skiff/filters/backend"
	"github.com/skiff-proxy/skiff/filters/body"
	"github.com/skiff-proxy/skiff/filters/breaker"
	"github.com/skiff-proxy/skiff/filters/chaos"
	"github.com/skiff-proxy/skiff/filters/compress"
	"github.com/skiff-proxy/skiff/filters/cookie"
	"github.com/skiff-proxy/skiff/filters/cors"
	"github.com/skiff-proxy/skiff/filters/flowid"
	"github.com/skiff-proxy/skiff/filters/headers"
	"github.com/skiff-proxy/skiff/filters/logging"
	"github.com/skiff-proxy/skiff/filters/path"
	"github.com/skiff-proxy/skiff/filters/query"
	"github.com/skiff-proxy/skiff/filters/ratelimit"
	"github.com/skiff-proxy/skiff/filters/redirect"
	"github.com/skiff-proxy/skiff/filters/scheduler"
	"github.com/skiff-proxy/skiff/filters/status"
	"github.com/skiff-proxy/skiff/filters/tee"
	"github.com/skiff-proxy/skiff/filters/timeout"
	"github.com/skiff-proxy/skiff/filters/tracing"
)

// Options carry the state of the stateful filters. The caller owns every
// field: it creates them before and closes them after the routing tables
// that use the filters.
type Options struct {
	// Breakers backs consecutiveBreaker, rateBreaker, disableBreaker and
	// hostBreaker. nil: breakers are disabled; the filters still check
	// their arguments but do nothing.
	Breakers *breaker.Registry
	// Ratelimits backs clientRatelimit and ratelimit. nil: rate limits are
	// disabled and the two names are not registered, so routes using them
	// are invalid.
	Ratelimits *ratelimit.Registry
	// Shadow sends the copies of tee, teenf, teeLoopback and teeResponse
	// (teeLoopback's once Shadow.SetRouter got the proxy). nil: the four
	// names are not registered.
	Shadow *tee.Shadow
	// Auth backs jwtValidation, jwtValidationKeys and the oauthTokeninfo*
	// filters. nil: those refuse to be created; basicAuth, forwardToken and
	// forwardTokenField work.
	Auth *auth.Registry
	// Scheduler backs the load-shedding filters (fifo, lifo, lifoGroup and
	// their WithBody variants, admissionControl, backendRatelimit) and
	// /queues. nil: they get a registry of their own that nothing shows.
	Scheduler *scheduler.Registry
	// Logging configures the logging filters (-max-audit-body).
	Logging logging.Options
}

// group is the spec list of one folder under filters/, named for errors.
type group struct {
	pkg   string
	specs []filters.Spec
}

func groups(o Options) []group {
	gs := []group{
		{"filters/headers", append(headers.Specs(), headers.EncodingSpecs()...)},
		{"filters/path", path.Specs()},
		{"filters/query", query.Specs()},
		{"filters/redirect", redirect.Specs()},
		{"filters/status", status.Specs()},
		{"filters/cookie", cookie.Specs()},
		{"filters/timeout", timeout.Specs()},
		{"filters/backend", append(backend.Specs(), backend.ProxySpec())},
		{"filters/breaker", append(breaker.Specs(o.Breakers), breaker.HostSpec(o.Breakers))},
		{"filters/ratelimit", ratelimit.Specs(o.Ratelimits)},
		{"filters/compress", compress.Specs()},
		{"filters/cors", cors.Specs()},
		{"filters/flowid", flowid.Specs()},
		{"filters/auth", auth.Specs(o.Auth)},
		{"filters/chaos", chaos.Specs()},
		{"filters/body", body.Specs()},
		{"filters/scheduler", scheduler.Specs(o.Scheduler)},
		{"filters/annotate", annotate.Specs()},
		{"filters/logging", logging.Specs(o.Logging)},
		{"filters/tracing", tracing.Specs()},
	}
	if o.Shadow != nil {
		gs = append(gs, group{"filters/tee", append(tee.Specs(o.Shadow), tee.LoopbackSpec(o.Shadow), tee.ResponseSpec(o.Shadow))})
	}
	if o.Ratelimits != nil {
		gs = append(gs, group{"filters/scheduler", []filters.Spec{scheduler.BackendRatelimitSpec(o.Scheduler)}})
	}
	return gs
}

// Registry returns a new registry holding every built-in filter. It fails
// when two folders register the same name, which is a bug of the build, not
// of the configuration.
func Registry(o Options) (filters.Registry, error) {
	return assemble(groups(o))
}

func assemble(gs []group) (filters.Registry, error) {
	reg := filters.Registry{}
	owner := map[string]string{}
	for _, g := range gs {
		for _, s := range g.specs {
			name := s.Name()
			if prev, ok := owner[name]; ok {
				return nil, fmt.Errorf("built-in filter %q registered by both %s and %s", name, prev, g.pkg)
			}
			owner[name] = g.pkg
			reg.Register(s)
		}
	}
	return reg, nil
}
