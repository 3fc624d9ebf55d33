package status_test

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"time"

	"github.com/skiff-proxy/skiff/dataclients/nats/status"
)

type table map[string][]status.Endpoint

func (t table) Snapshot() map[string][]status.Endpoint { return t }

type ready bool

func (r ready) Healthy() bool { return bool(r) }

// A router wires its counters and table into the handler and owns the
// listener; the proxy calls Counters.Observe once per backend attempt.
func Example() {
	routes := table{"app.test": {{Address: "10.0.0.1:8080", Protocol: "http1", TTL: 120}}}
	counters := status.NewCounters()
	h := status.NewHandler(status.Config{
		User: "router-status", Password: "secret", EnableVarz: true, Index: 3, Host: "127.0.0.1:8082",
		Varz: status.VarzSource{
			Counters: counters,
			Table:    status.RoutesTable(routes, func() time.Time { return time.Now() }),
		},
	}, routes, ready(true))

	srv := &status.Server{Handler: h}
	addr, err := srv.Start("127.0.0.1:0") // "" would be status.DefaultAddr
	if err != nil {
		fmt.Println(err)
		return
	}
	defer srv.Close(context.Background())

	counters.Observe(200, 3*time.Millisecond)

	req, _ := http.NewRequest("GET", "http://"+addr.String()+"/routes", nil)
	req.SetBasicAuth("router-status", "secret")
	resp, err := http.DefaultClient.Do(req) // /routes closes the connection
	if err != nil {
		fmt.Println(err)
		return
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	fmt.Print(string(body))
	// Output:
	// {"app.test":[{"address":"10.0.0.1:8080","availability_zone":"","protocol":"http1","tls":false,"ttl":120,"tags":null}]}
}
