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

// ProxySpec returns backendIsProxy: the route's backend (network, load
// balanced or dynamic) is an HTTP proxy, and the request goes to it in
// absolute form for the Host the client asked for. It sets
// filters.BackendIsProxy in the state bag; the proxy acts on it.
func ProxySpec() filters.Spec { return isProxySpec{} }
