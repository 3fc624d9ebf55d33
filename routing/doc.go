// Package routing turns route definitions into an immutable, compiled
// routing Table (path tree, host index, predicates, instantiated filters)
// and owns the current table: Routing runs the data clients, merges their
// routes by id, applies every change to a new Table (copy-on-write of the
// current one when the change is small) and swaps it in atomically.
// Table.Match finds the one route a request takes; Table.Explain tells
// why.
package routing
