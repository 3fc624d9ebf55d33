// Package skiff is the library entry point of the skiff reverse proxy: a
// custom binary fills Options (its own filters, predicates and data clients
// included) and calls Run, which serves until its context is canceled and
// then shuts down gracefully. cmd/skiff is such a binary, with
// skipper-compatible flags.
package skiff
