// Command custompredicate is a skiff binary with one predicate of its own,
// QueryFlag("name"), which matches requests whose query turns the flag on:
// ?debug, ?debug=1, ?debug=true, ?debug=yes or ?debug=on for
// QueryFlag("debug"); ?debug=0, any other value, or no debug parameter do
// not match. Next to a route without it, a route with QueryFlag wins when
// the flag is on, because every predicate adds one to a route's weight.
//
// The whole extension is a routing.PredicateSpec (Name and Create, which
// checks the route's arguments with filters/specargs) and a
// routing.Predicate (Match), handed to config.Main: the binary gets all of
// skiff's flags and subcommands, and check, print and explain know the
// predicate too.
//
//	go run ./examples/custompredicate -routes-file examples/custompredicate/routes.eskip
//	curl localhost:9090/            # plain view
//	curl 'localhost:9090/?debug'    # debug view
//
//	go run ./examples/custompredicate check examples/custompredicate/routes.eskip
//	go run ./examples/custompredicate explain -routes-file examples/custompredicate/routes.eskip GET '/?debug=1'
package main
