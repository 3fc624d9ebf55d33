// Command customfilter is a skiff binary with one filter of its own,
// greeting("name"), which sets an X-Greeting request header for the backend
// and tags the response. It shows the whole extension story: implement
// filters.Spec and filters.Filter and hand the spec to config.Main, which
// gives the binary all of skiff's flags and subcommands.
//
//	go run ./examples/customfilter -routes-file examples/customfilter/routes.eskip
//	go run ./examples/customfilter check examples/customfilter/routes.eskip
package main
