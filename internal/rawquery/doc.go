// Package rawquery reads values from a raw URL query without building the
// url.Values map, skipping the pairs url.ParseQuery rejects, so that the
// query predicate and filter templates read a query as net/http would.
package rawquery
