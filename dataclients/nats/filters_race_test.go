package nats

import (
	"net/http/httptest"
	"os"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/skiff-proxy/skiff/filters/filtertest"
)

// The pool filter's Request reads the pool's endpoints and route service
// URL after releasing the table's lock (filters.go: f.pool() then
// len(p.eps), p.routeServiceURL), while register writes them under the
// write lock: a data race that -race reports within a few thousand
// requests. Not this file's code to fix; run with NATS_RACE_REPRO=1 and
// -race to reproduce, and drop the skip with the fix.
func TestPoolFilterRequestRacesWithRegister(t *testing.T) {
	if os.Getenv("NATS_RACE_REPRO") == "" {
		t.Skip("known data race in filters.go (poolFilter.Request); NATS_RACE_REPRO=1 go test -race -run RacesWithRegister reproduces it")
	}
	c, _ := newTestClient(t, Options{NoDamping: true})
	register(t, c, ep("10.0.0.1", 1, "r.test"))
	f, err := (&poolFilterSpec{c: c}).CreateFilter([]any{"r.test"})
	if err != nil {
		t.Fatal(err)
	}
	var stop atomic.Bool
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		for i := 0; !stop.Load(); i++ {
			rs := ""
			if i%2 == 0 {
				rs = "https://rs"
			}
			register(t, c, ep("10.0.0.1", 1, "r.test").with("route_service_url", rs))
			register(t, c, ep("10.0.0.2", 1+i%100, "r.test"))
		}
	}()
	for range 5000 {
		f.Request(filtertest.NewContext(httptest.NewRequest("GET", "http://r.test/", nil)))
	}
	stop.Store(true)
	wg.Wait()
}
