package damping_test

import (
	"fmt"
	"time"

	"github.com/skiff-proxy/skiff/dataclients/nats/damping"
)

// A crash-looping instance is held registered after its third flip; with
// the defaults the held unregistration is discarded after 90 s, and its
// next registration applies as that of a new endpoint. A caller applies
// Observe's results and Tick's releases from one goroutine, so that a
// release is never applied after a newer observation.
func Example() {
	now := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	d := damping.New[string](damping.Config{Now: func() time.Time { return now }})

	const ep = "app.example.com|10.0.0.7:61001"
	for i, registered := range []bool{true, false, true, false, true, false} {
		apply := d.Observe(ep, registered)
		st, _ := d.State(ep)
		fmt.Printf("%d registered=%-5v apply=%-5v penalty=%3.0f suppressed=%v\n", i, registered, apply, st.Penalty, st.Suppressed)
	}

	now = now.Add(91 * time.Second)
	fmt.Println("released:", d.Tick())
	_, known := d.State(ep)
	fmt.Println("known:", known, "apply:", d.Observe(ep, true))
	// Output:
	// 0 registered=true  apply=true  penalty=  0 suppressed=false
	// 1 registered=false apply=true  penalty=100 suppressed=false
	// 2 registered=true  apply=true  penalty=200 suppressed=false
	// 3 registered=false apply=false penalty=300 suppressed=true
	// 4 registered=true  apply=true  penalty=400 suppressed=true
	// 5 registered=false apply=false penalty=500 suppressed=true
	// released: []
	// known: false apply: true
}
