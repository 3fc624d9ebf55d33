// Package inline is the data client of routes given as text on the
// command line (-inline-routes) or in Options.InlineRoutes: parsed once,
// delivered once, never changed.
package inline
