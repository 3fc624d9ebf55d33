// Package routing turns route definitions into an immutable, compiled
// routing Table (path tree, host index, predicates, instantiated filters)
// and owns the current table: Routing runs the data clients, merges their
// routes by id, builds a new Table on every change and swaps it in
// atomically. Table.Match finds the one route a request takes.
package routing
