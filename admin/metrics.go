package admin

import "net/http"

// MetricsHandler serves /metrics with h, the Prometheus handler of the
// metrics registry (metrics.Registry.Handler): GET and HEAD only, never
// cached, since every scrape must see the current values.
func MetricsHandler(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodGet && r.Method != http.MethodHead {
			w.Header().Set("Allow", "GET, HEAD")
			http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
			return
		}
		w.Header().Set("Cache-Control", "no-store")
		h.ServeHTTP(w, r)
	})
}
