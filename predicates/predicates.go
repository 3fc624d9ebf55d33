package predicates

import (
	"time"

	"github.com/skiff-proxy/skiff/filters/specargs"
	"github.com/skiff-proxy/skiff/predicates/contentlength"
	"github.com/skiff-proxy/skiff/predicates/cookie"
	"github.com/skiff-proxy/skiff/predicates/core"
	"github.com/skiff-proxy/skiff/predicates/cron"
	"github.com/skiff-proxy/skiff/predicates/forwarded"
	"github.com/skiff-proxy/skiff/predicates/headersha256"
	"github.com/skiff-proxy/skiff/predicates/interval"
	"github.com/skiff-proxy/skiff/predicates/jwt"
	"github.com/skiff-proxy/skiff/predicates/methods"
	"github.com/skiff-proxy/skiff/predicates/otel"
	"github.com/skiff-proxy/skiff/predicates/query"
	"github.com/skiff-proxy/skiff/predicates/source"
	"github.com/skiff-proxy/skiff/predicates/tee"
	"github.com/skiff-proxy/skiff/predicates/traffic"
	"github.com/skiff-proxy/skiff/routing"
)

// ErrInvalidPredicateParameters is wrapped by every argument error of the
// built-in predicates (errors.Is).
var ErrInvalidPredicateParameters = specargs.ErrInvalidPredicateParameters

// Options carry what the predicates need from their environment. The zero
// value is ready to use: real clock, real randomness, no shutdown signal.
type Options struct {
	// Now returns the current time (After, Before, Between, Cron; Cron reads
	// its mask in the location of the returned time). Default time.Now.
	Now func() time.Time
	// Rand returns a uniform number in [0,1) and is called concurrently
	// (Traffic, TrafficSegment). Default math/rand/v2 Float64.
	Rand func() float64
	// ShutdownStarted is closed when the process begins shutting down; the
	// Shutdown predicate matches from then on. nil: never.
	ShutdownStarted <-chan struct{}
}

// Specs returns a spec of every built-in predicate of this package tree.
func Specs(o Options) []routing.PredicateSpec {
	to := traffic.Options{Rand: o.Rand}
	io := interval.Options{Now: o.Now}
	return []routing.PredicateSpec{
		core.NewTrue(),
		core.NewFalse(),
		core.NewShutdown(o.ShutdownStarted),
		methods.New(),
		cookie.New(),
		query.New(),
		traffic.NewTraffic(to),
		traffic.NewTrafficSegment(to),
		source.NewSource(),
		source.NewSourceFromLast(),
		source.NewClientIP(),
		interval.NewAfter(io),
		interval.NewBefore(io),
		interval.NewBetween(io),
		cron.New(cron.Options{Now: o.Now}),
		contentlength.New(),
		headersha256.New(),
		forwarded.NewHost(),
		forwarded.NewProtocol(),
		otel.New(),
		jwt.NewAnyKV(),
		jwt.NewAllKV(),
		jwt.NewAnyKVRegexp(),
		jwt.NewAllKVRegexp(),
		tee.New(),
	}
}

// Register adds Specs(o) to reg.
func Register(reg routing.PredicateRegistry, o Options) {
	for _, s := range Specs(o) {
		reg.Register(s)
	}
}
