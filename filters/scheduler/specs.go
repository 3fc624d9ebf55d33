package scheduler

import "github.com/skiff-proxy/skiff/filters"

// Specs returns the queue filters (fifo, fifoWithBody, lifo, lifoWithBody,
// lifoGroup, lifoGroupWithBody) and admissionControl, backed by reg. With
// a nil reg they get a registry of their own, which nothing shows.
func Specs(reg *Registry) []filters.Spec {
	if reg == nil {
		reg = NewRegistry(Options{})
	}
	return []filters.Spec{
		&routeQueueSpec{name: FifoName, kind: kindFifo, reg: reg},
		&routeQueueSpec{name: FifoWithBodyName, kind: kindFifo, withBody: true, reg: reg},
		&routeQueueSpec{name: LifoName, kind: kindLifo, reg: reg},
		&routeQueueSpec{name: LifoWithBodyName, kind: kindLifo, withBody: true, reg: reg},
		&groupSpec{name: LifoGroupName, reg: reg},
		&groupSpec{name: LifoGroupWithBodyName, withBody: true, reg: reg},
		&admissionSpec{reg: reg},
	}
}

// BackendRatelimitSpec returns backendRatelimit backed by reg (a registry
// of its own when nil). skipper registers it with its rate limits only
// (-enable-ratelimits).
func BackendRatelimitSpec(reg *Registry) filters.Spec {
	if reg == nil {
		reg = NewRegistry(Options{})
	}
	return &backendRatelimitSpec{reg: reg}
}
