// Package template implements the ${...} placeholders that several filters
// accept in their string arguments (docs/filters.md). A template is
// parsed once when the filter is created; rendering walks the parsed parts
// and reads the request directly, without regular expressions and, for
// templates that are a literal or a single placeholder, without allocating.
package template
