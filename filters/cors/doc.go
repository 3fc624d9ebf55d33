// Package cors provides the corsOrigin filter, which answers browsers'
// cross-origin checks by setting Access-Control-Allow-Origin.
package cors
