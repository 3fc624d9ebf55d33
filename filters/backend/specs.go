package backend

import "github.com/skiff-proxy/skiff/filters"

// Specs returns the backend, access-log and load-balancing filter specs.
func Specs() []filters.Spec {
	return []filters.Spec{
		dynamicSpec{name: "setDynamicBackendUrl", key: filters.DynamicBackendURL, check: checkURL},
		dynamicSpec{name: "setDynamicBackendHost", key: filters.DynamicBackendHost, check: checkHost},
		dynamicSpec{name: "setDynamicBackendScheme", key: filters.DynamicBackendScheme, check: checkScheme},
		dynamicHeaderSpec{name: "setDynamicBackendUrlFromHeader", key: filters.DynamicBackendURL},
		dynamicHeaderSpec{name: "setDynamicBackendHostFromHeader", key: filters.DynamicBackendHost},
		dynamicHeaderSpec{name: "setDynamicBackendSchemeFromHeader", key: filters.DynamicBackendScheme},
		accessLogDisabledSpec{},
		accessLogSpec{name: "enableAccessLog", enable: true},
		accessLogSpec{name: "disableAccessLog"},
		fadeInSpec{},
		endpointCreatedSpec{},
		hashKeySpec{},
		balanceFactorSpec{},
	}
}
