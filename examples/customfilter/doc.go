// Command customfilter is a skiff binary with one filter of its own,
// greeting("name"), which sets an X-Greeting request header for the backend
// and tags the response. It shows the whole extension story: implement
// filters.Spec and filters.Filter, pass the spec in
// skiff.Options.CustomFilters, call skiff.Run.
//
//	go run ./examples/customfilter -address :9090 -routes-file examples/customfilter/routes.eskip
package main
