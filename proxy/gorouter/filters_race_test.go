package gorouter

import (
	"net/http/httptest"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/skiff-proxy/skiff/dataclients/nats"
	"github.com/skiff-proxy/skiff/filters/filtertest"
)

// The pool filter reads the pool's endpoints and route service while
// registrations change them: under -race this finds a read outside the
// table's lock.
func TestPoolFilterRequestRacesWithRegister(t *testing.T) {
	c := newClient(t, nats.Options{MaxConns: 1})
	register(t, c, map[string]any{"host": "10.0.0.1", "port": 1, "uris": []string{"r.test"}})
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
			register(t, c, map[string]any{"host": "10.0.0.1", "port": 1, "uris": []string{"r.test"}, "route_service_url": rs})
			register(t, c, map[string]any{"host": "10.0.0.2", "port": 1 + i%100, "uris": []string{"r.test"}})
		}
	}()
	for range 2000 {
		f.Request(filtertest.NewContext(httptest.NewRequest("GET", "http://r.test/", nil)))
	}
	stop.Store(true)
	wg.Wait()
}
