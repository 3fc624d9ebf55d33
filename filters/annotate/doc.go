// Package annotate holds annotate, which attaches key/value annotations
// to a route for the filters after it to read (Annotations), and
// originMarker, which records where a route came from and is otherwise a
// no-op.
package annotate
