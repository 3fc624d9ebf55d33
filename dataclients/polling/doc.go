// Package polling runs a data client written for skipper's polling
// interface (routing.DataClient there: LoadAll and LoadUpdate) as a skiff
// data client, which pushes its routes instead of being asked for them:
//
//	client := polling.New(myClient, polling.Options{Interval: 3 * time.Second})
//	os.Exit(config.Main(config.Extensions{DataClients: []dataclients.DataClient{client}}))
//
// A Poller calls LoadAll once at start and sends its routes as the full
// set. Then, every Interval, it calls LoadUpdate and sends the change as an
// incremental update. It sends only real changes: an upsert of a route
// equal to the one in effect, or a delete of an id it never sent, is
// dropped, and a poll that leaves nothing to send sends nothing, so a
// client whose LoadUpdate returns every route each time costs no table
// build while nothing changes.
//
// Errors. Until the first LoadAll succeeds the Poller sends nothing (the
// routing table waits for it, as for any data client that has not
// delivered yet) and retries every Interval. After a LoadUpdate error the
// next poll, one Interval later, is a LoadAll, and it is repeated every
// Interval until it succeeds; its result is compared with the routes in
// effect and only the difference is sent. This is what skipper does after
// a failed LoadUpdate, so clients ported from skipper may rely on it: a
// LoadUpdate that fails may already have advanced the client's position
// in its source (a change index, a resource version), and a mere retry of
// LoadUpdate would then miss those changes for good. Until a poll
// succeeds the routes last sent stay in effect. A failure is logged once
// per distinct error in a row, not on every poll, and the first success
// after failures is logged with their count. Unlike skipper, the LoadAll
// after a failure waits for the Interval rather than following at once:
// a source that just failed is rarely helped by being asked again
// immediately.
//
// Timing: Interval is the pause between the end of one poll (including
// handing its update to routing) and the start of the next, so a slow
// source or a busy routing is not polled back to back.
//
// Calls: LoadAll and LoadUpdate are called from one goroutine, one at a
// time, so the client needs no locking for the state it keeps between
// calls. They take no context: Run returns only once the call in
// progress has returned, so a client should bound its calls (a timeout on
// its HTTP client, say) or shutdown waits for it. The routes returned
// are kept and handed to routing: the client must not modify them
// afterwards (returning new route values, or the same unmodified ones,
// is fine; the slices themselves are copied).
package polling
