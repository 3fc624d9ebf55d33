// Package path holds the built-in filters that rewrite the outgoing request
// path and query and the one that chooses the outgoing Host
// (spec/filters.md §4.2–4.3): setPath, modPath, setQuery, dropQuery,
// stripQuery and preserveHost.
package path
