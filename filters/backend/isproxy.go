package backend

import (
	"github.com/skiff-proxy/skiff/filters"
	"github.com/skiff-proxy/skiff/filters/specargs"
)

// IsProxyName is backendIsProxy's name in eskip.
const IsProxyName = "backendIsProxy"

type isProxySpec struct{}

func (isProxySpec) Name() string { return IsProxyName }

// CreateFilter takes no arguments. skipper ignores any it is given; here
// they make the route invalid, as for every filter without arguments.
func (isProxySpec) CreateFilter(args []any) (filters.Filter, error) {
	if err := specargs.Filter(IsProxyName, args).Count(0, 0); err != nil {
		return nil, err
	}
	return &stateValue{key: filters.BackendIsProxy, value: struct{}{}}, nil
}
