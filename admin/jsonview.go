package admin

import (
	"bytes"
	"net/http"
	"strconv"
)

// jsonView serves what get returns as JSON to GET and HEAD, indented
// unless ?nopretty is given; what names it in an error. noStore marks the
// answer as not to be cached (a snapshot that changes with every request).
func jsonView[T any](what string, get func() T, noStore bool) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodGet && r.Method != http.MethodHead {
			w.Header().Set("Allow", "GET, HEAD")
			http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
			return
		}
		var body bytes.Buffer
		pretty := r.URL.Query().Get("nopretty") == ""
		if err := encodeJSON(&body, get(), pretty); err != nil {
			http.Error(w, "rendering "+what+": "+err.Error(), http.StatusInternalServerError)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		if noStore {
			w.Header().Set("Cache-Control", "no-store")
		}
		w.Header().Set("Content-Length", strconv.Itoa(body.Len()))
		if r.Method != http.MethodHead {
			w.Write(body.Bytes())
		}
	}
}
