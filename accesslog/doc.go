// Package accesslog writes one line per proxied request, in the Apache
// combined format with skipper's extra fields, as a JSON object, or in the
// Cloud Foundry gorouter format (Format).
//
// Formatting and writing happen on a goroutine owned by the Logger, never
// on the request path: Log only hands the entry to a bounded queue, and an
// entry that finds the queue full is dropped and counted rather than
// slowing the request down.
package accesslog
