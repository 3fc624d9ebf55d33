package cfhttp

// Constructors for the rows of §10. host is the raw Host header including
// any port, as gorouter quotes it back to the client.

// EmptyHost: no Host header, or the Host is the client's own IP (a load
// balancer filled it in for an HTTP/1.0 request).
func EmptyHost() Error {
	return Error{Status: 400, RouterError: "empty_host", Message: "Request had empty Host header", CacheControl: cacheShortly}
}

// InvalidAppInstanceHeader: X-CF-App-Instance is not "<lower-case guid>:<digits>".
func InvalidAppInstanceHeader() Error {
	return Error{Status: 400, RouterError: "invalid_cf_app_instance_header", Message: "Invalid X-CF-App-Instance Header", CacheControl: cacheNoStore}
}

// InvalidProcessInstanceHeader: X-CF-Process-Instance is not "<guid>[:<digits>]".
func InvalidProcessInstanceHeader() Error {
	return Error{Status: 400, RouterError: "invalid_cf_process_instance_header", Message: "Invalid X-CF-Process-Instance Header", CacheControl: cacheNoStore}
}

// UnknownRoute: no pool for host and path (also an empty pool when
// empty_pool_response_code_503 is off).
func UnknownRoute(host string) Error {
	return Error{Status: 404, RouterError: "unknown_route", Message: "Requested route ('" + host + "') does not exist.", CacheControl: cacheNoStore}
}

// InstanceNotFound: the request targeted an app instance (X-CF-App-Instance)
// that the route does not have. 400, not 404: the client asked for
// something specific. gorouter's message has no final full stop.
func InstanceNotFound(guid, index, host string) Error {
	return Error{Status: 400, RouterError: "unknown_route",
		Message:      "Requested instance ('" + index + "') with guid ('" + guid + "') does not exist for route ('" + host + "')",
		CacheControl: cacheNoStore}
}

// ProcessInstanceNotFound is InstanceNotFound for X-CF-Process-Instance;
// the index part of the header is optional and so is it in the message.
func ProcessInstanceNotFound(guid, index, host string) Error {
	msg := "Requested instance with process guid ('" + guid + "') does not exist for route ('" + host + "')"
	if index != "" {
		msg = "Requested instance ('" + index + "') with process guid ('" + guid + "') does not exist for route ('" + host + "')"
	}
	return Error{Status: 400, RouterError: "unknown_route", Message: msg, CacheControl: cacheNoStore}
}

// NoEndpoints: the pool exists but is empty and empty_pool_response_code_503
// is on.
func NoEndpoints(host string) Error {
	return Error{Status: 503, RouterError: "no_endpoints", Message: "Requested route ('" + host + "') has no available endpoints.", CacheControl: cacheShortly}
}

// ConnectionLimit: every endpoint of the pool is at max_conns. The router
// error value really is this capitalised phrase with spaces.
func ConnectionLimit(host string) Error {
	return Error{Status: 503, RouterError: "Connection Limit Reached", Message: "Requested route ('" + host + "') has reached the connection limit."}
}

// RouteServicesDisabled: the route is bound to a route service but no
// route_services_secret is configured.
func RouteServicesDisabled() Error {
	return Error{Status: 502, RouterError: "route_service_unsupported", Message: "Support for route services is disabled."}
}

// WebSocketRouteService: WebSocket upgrades cannot pass through a route
// service.
func WebSocketRouteService() Error {
	return Error{Status: 503, RouterError: "route_service_unsupported", Message: "Websocket requests are not supported for routes bound to Route Services."}
}

// ExpiredRouteServiceSignature: strict signature validation found an
// X-CF-Proxy-Signature older than route_services_timeout on a route without
// a route service.
func ExpiredRouteServiceSignature(err error) Error {
	return Error{Status: 504, RouterError: "expired_route_service_signature", Message: "Failed to validate Route Service Signature: " + errText(err)}
}

// InvalidRouteServiceSignature: as above, but the signature does not
// decrypt or decode.
func InvalidRouteServiceSignature() Error {
	return Error{Status: 400, RouterError: "invalid_route_service_signature", Message: "invalid route service signature detected"}
}

func errText(err error) string {
	if err == nil {
		return ""
	}
	return err.Error()
}
