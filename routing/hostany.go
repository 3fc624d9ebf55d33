package routing

import (
	"fmt"
	"net/http"
)

// Names of the predicates the matcher itself implements.
const (
	PathName         = "Path"
	PathSubtreeName  = "PathSubtree"
	HostName         = "Host"
	HostAnyName      = "HostAny"
	PathRegexpName   = "PathRegexp"
	MethodName       = "Method"
	HeaderName       = "Header"
	HeaderRegexpName = "HeaderRegexp"
	WeightName       = "Weight"
)

func isMatcherPredicate(name string) bool {
	switch name {
	case PathName, PathSubtreeName, HostName, HostAnyName, PathRegexpName,
		MethodName, HeaderName, HeaderRegexpName, WeightName:
		return true
	}
	return false
}

// HostAnySpec is the built-in HostAny(host, ...) predicate: the request's
// Host equals one of the arguments exactly. Build uses it unless the
// predicate registry has its own HostAny.
type HostAnySpec struct{}

// Name returns "HostAny".
func (HostAnySpec) Name() string { return HostAnyName }

// Create takes one or more strings.
func (HostAnySpec) Create(args []any) (Predicate, error) {
	if len(args) == 0 {
		return nil, fmt.Errorf("HostAny: at least one host required")
	}
	hosts := make([]string, len(args))
	for i, a := range args {
		s, ok := a.(string)
		if !ok {
			return nil, fmt.Errorf("HostAny: argument %d is %T, want string", i+1, a)
		}
		hosts[i] = s
	}
	return &hostAny{hosts: hosts}, nil
}

type hostAny struct{ hosts []string }

func (h *hostAny) Match(r *http.Request) bool {
	for _, v := range h.hosts {
		if r.Host == v {
			return true
		}
	}
	return false
}
