package admin

import (
	"net/http"

	"github.com/skiff-proxy/skiff/filters/scheduler"
)

// QueueSnapshot is what /queues shows: the queues of the fifo, lifo and
// lifoGroup filters (limits, active and queued requests, rejections), the
// admissionControl windows and the backendRatelimit counters per endpoint.
type QueueSnapshot = scheduler.Snapshot

// QueuesOf returns the Options.Queues function for the registry the
// load-shedding filters were built with; a nil registry shows empty lists.
func QueuesOf(reg *scheduler.Registry) func() QueueSnapshot { return reg.Snapshot }

// queuesHandler serves /queues as JSON, indented unless ?nopretty is given.
func queuesHandler(snapshot func() QueueSnapshot) http.HandlerFunc {
	return jsonView("queues", snapshot, true)
}
