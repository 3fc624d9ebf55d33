// Package contentlength provides ContentLengthBetween(min, max), which routes
// by declared request body size, e.g. large uploads to a dedicated backend.
package contentlength
