package nats

import (
	"net/http/httptest"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/skiff-proxy/skiff/filters/filtertest"
)

// The pool filter's Request reads the pool's endpoints and route service
// URL while register writes them: it must read them under the table's
// lock (it read them after releasing it until ad56a6f, a data race that
// -race reported within a few thousand requests). A regression test for
// -race.
func TestPoolFilterRequestRacesWithRegister(t *testing.T) {
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
