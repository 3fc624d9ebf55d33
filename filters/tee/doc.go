// Package tee provides the tee and teenf filters, which send a copy of a
// request to a shadow backend and ignore its answer. The shadow requests are
// made by a Shadow value owned by the caller: it bounds their number, their
// duration and the body bytes buffered for them, and Close stops them all.
package tee
