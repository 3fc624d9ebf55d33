package core

import (
	"net/http"

	"github.com/skiff-proxy/skiff/filters/specargs"
	"github.com/skiff-proxy/skiff/routing"
)

// Names of the predicates in this package.
const (
	TrueName     = "True"
	FalseName    = "False"
	ShutdownName = "Shutdown"
)

type constant bool

func (c constant) Match(*http.Request) bool { return bool(c) }

type constSpec struct {
	name  string
	value bool
}

func (s constSpec) Name() string { return s.name }

// Create ignores the arguments, as True() has always been used with
// arbitrary arguments to raise a route's weight.
func (s constSpec) Create([]any) (routing.Predicate, error) { return constant(s.value), nil }

// NewTrue returns the spec of True(): always matches. It adds 1 to the route
// weight like every predicate, which is its traditional use.
func NewTrue() routing.PredicateSpec { return constSpec{TrueName, true} }

// NewFalse returns the spec of False(): never matches, disabling the route.
func NewFalse() routing.PredicateSpec { return constSpec{FalseName, false} }

type shutdownSpec struct{ started <-chan struct{} }

// NewShutdown returns the spec of Shutdown(), which matches once started is
// closed. A nil channel means shutdown never begins.
func NewShutdown(started <-chan struct{}) routing.PredicateSpec {
	return shutdownSpec{started: started}
}

func (shutdownSpec) Name() string { return ShutdownName }

func (s shutdownSpec) Create(a []any) (routing.Predicate, error) {
	args := specargs.Predicate(ShutdownName, a)
	if err := args.Count(0, 0); err != nil {
		return nil, err
	}
	return shutdown(s), nil
}

type shutdown shutdownSpec

func (s shutdown) Match(*http.Request) bool {
	select {
	case <-s.started:
		return true
	default:
		return false
	}
}
