// Package filters defines the filter API of skiff: a Spec creates a Filter
// for one route from the route's arguments, and the proxy calls the Filter's
// Request method in route order and its Response method in reverse order,
// passing a FilterContext for the request at hand.
//
// Built-in filters live in subpackages grouped by subject (filters/headers,
// filters/path, ...); filters/builtin assembles them into a Registry.
// A custom filter is a type with the two methods of Spec plus the two of
// Filter, registered through skiff.Options. Package filters/specargs checks
// its arguments, and filters/filtertest provides a FilterContext for its
// unit tests. A FilterContext is pooled: see its documentation before
// keeping anything it returns.
package filters
