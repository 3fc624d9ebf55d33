// Package e2e holds end-to-end tests: they start skiff.Run in-process (or
// the built binary) on loopback listeners, in front of real httptest
// backends, and talk to it over real HTTP.
package e2e
