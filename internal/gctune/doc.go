// Package gctune gives the garbage collector a minimum headroom. Go
// collects when the heap has grown by as much as was live after the last
// collection (GOGC=100). A proxy with a small routing table has a few MB
// live and allocates some KB per request, so it collects many times a
// second, and every collection slows the requests it overlaps. With a
// headroom the heap may grow by at least that many bytes before the next
// collection; with a large live heap Go's own rule applies unchanged.
package gctune
