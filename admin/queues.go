package admin

import (
	"bytes"
	"net/http"
	"strconv"

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
	return func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodGet && r.Method != http.MethodHead {
			w.Header().Set("Allow", "GET, HEAD")
			http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
			return
		}
		var body bytes.Buffer
		pretty := r.URL.Query().Get("nopretty") == ""
		if err := encodeJSON(&body, snapshot(), pretty); err != nil {
			http.Error(w, "rendering queues: "+err.Error(), http.StatusInternalServerError)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("Cache-Control", "no-store")
		w.Header().Set("Content-Length", strconv.Itoa(body.Len()))
		if r.Method != http.MethodHead {
			w.Write(body.Bytes())
		}
	}
}
