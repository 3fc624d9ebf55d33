package proxy

import (
	"bytes"
	"net/http"
	"testing"
)

// TestEarlyBackendAnswer: a backend that answers before reading a large
// request body (401, 413) has its answer passed on.
func TestEarlyBackendAnswer(t *testing.T) {
	be := backend(t, func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusRequestEntityTooLarge)
	})
	fx := startProxy(t, Options{}, netRoute("r", "/", be.URL))
	for i := 0; i < 2; i++ {
		body := bytes.Repeat([]byte("x"), 16<<20)
		rsp, _ := do(t, mustReq(t, "POST", fx.url("/"), bytes.NewReader(body)))
		if rsp.StatusCode != http.StatusRequestEntityTooLarge {
			t.Errorf("attempt %d: status %d, want 413", i, rsp.StatusCode)
		}
	}
}
