package dataclients

import (
	"context"

	"github.com/skiff-proxy/skiff/eskip"
)

// Update is one message from a data client to the routing owner.
//
// The first Update a client sends must have Reset set and carry its full
// route set. Later Updates either carry a full set again (Reset) or a change:
// the ids in Deletes are removed, then the routes in Upserts replace any route
// of the same id from this client.
type Update struct {
	Reset   bool
	Upserts []*eskip.Route
	Deletes []string
	// Invalid are definitions the client has but could not parse (an
	// etcd value with a syntax error). Each takes the place of any route
	// of the same id from this client, as an upsert does: routing lists
	// it among the invalid routes with its position and error and, unless
	// told to drop invalid updates, goes on serving the id's last valid
	// version. A later upsert or delete of the id replaces it.
	Invalid []InvalidRoute
}

// InvalidRoute is a route definition that did not parse.
type InvalidRoute struct {
	Id string
	// Pos locates the error: Source names where the definition is kept
	// (an etcd key), Line and Column are within it.
	Pos eskip.Position
	Err error
}

// DataClient is a source of routes. Run sends Updates on out until ctx is
// done or the client fails for good; it returns nil when ctx was canceled.
// Run must not close out. Errors in the source's content (a file that does
// not parse, a bad etcd value) are logged by the client and do not end Run:
// the routes it last delivered stay in effect.
type DataClient interface {
	// Name identifies the client in logs and in the invalid-route list,
	// e.g. "file:routes.eskip".
	Name() string
	Run(ctx context.Context, out chan<- Update) error
}
