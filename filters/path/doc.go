// Package path holds the built-in filters that rewrite the outgoing request
// path and query and the one that chooses the outgoing Host
// (docs/filters.md): setPath, modPath, setQuery, dropQuery,
// stripQuery and preserveHost.
package path
