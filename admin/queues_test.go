package admin

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/skiff-proxy/skiff/filters"
	"github.com/skiff-proxy/skiff/filters/filtertest"
	"github.com/skiff-proxy/skiff/filters/scheduler"
)

// TestQueues: /queues shows the registry's queues with their limits and
// counts, as JSON.
func TestQueues(t *testing.T) {
	reg := scheduler.NewRegistry(scheduler.Options{})
	defer reg.Close()
	specs := scheduler.Specs(reg)
	lifo := filtertest.Create(t, filtertest.Spec(t, specs, "lifo"), 1.0, 0.0, "2s")
	filtertest.Create(t, filtertest.Spec(t, specs, "lifoGroup"), "shared", 3.0, 4.0, "5s")
	hold := filtertest.NewContext(httptest.NewRequest("GET", "/", nil))
	hold.FRouteId = "api"
	lifo.Request(hold)

	h := queuesHandler(QueuesOf(reg))
	w := httptest.NewRecorder()
	h(w, httptest.NewRequest("GET", "/queues", nil))
	if w.Code != 200 || w.Header().Get("Content-Type") != "application/json" {
		t.Fatalf("%d %v", w.Code, w.Header())
	}
	var got struct {
		Queues []map[string]any `json:"queues"`
	}
	if err := json.Unmarshal(w.Body.Bytes(), &got); err != nil {
		t.Fatal(err)
	}
	if len(got.Queues) != 2 {
		t.Fatalf("queues %v", got.Queues)
	}
	q := got.Queues[0]
	if q["kind"] != "lifo" || q["name"] != "api" || q["active"] != 1.0 || q["max_concurrency"] != 1.0 || q["max_queue_size"] != -1.0 || q["timeout"] != "2s" {
		t.Errorf("route queue %v", q)
	}
	g := got.Queues[1]
	if g["kind"] != "lifoGroup" || g["name"] != "shared" || g["max_queue_size"] != 4.0 || g["active"] != 0.0 {
		t.Errorf("group queue %v", g)
	}
	if !strings.Contains(w.Body.String(), "\n  \"queues\": [") {
		t.Errorf("not indented: %s", w.Body)
	}

	w = httptest.NewRecorder()
	h(w, httptest.NewRequest("GET", "/queues?nopretty=1", nil))
	if strings.Count(w.Body.String(), "\n") != 1 {
		t.Errorf("nopretty: %s", w.Body)
	}
	w = httptest.NewRecorder()
	h(w, httptest.NewRequest("HEAD", "/queues", nil))
	if w.Code != 200 || w.Body.Len() != 0 || w.Header().Get("Content-Length") == "" {
		t.Errorf("HEAD: %d %q %v", w.Code, w.Body, w.Header())
	}
	w = httptest.NewRecorder()
	h(w, httptest.NewRequest("POST", "/queues", nil))
	if w.Code != http.StatusMethodNotAllowed || w.Header().Get("Allow") != "GET, HEAD" {
		t.Errorf("POST: %d %v", w.Code, w.Header())
	}

	hold.FResponse = &http.Response{StatusCode: 200, Header: http.Header{}, Body: http.NoBody}
	lifo.Response(hold)
	lifo.(filters.Closer).Close()

	// Without a registry the lists are empty.
	w = httptest.NewRecorder()
	queuesHandler(QueuesOf(nil))(w, httptest.NewRequest("GET", "/queues?nopretty=1", nil))
	if got := w.Body.String(); got != `{"queues":[],"admission_control":[],"backend_ratelimits":[]}`+"\n" {
		t.Errorf("nil registry: %s", got)
	}
}
