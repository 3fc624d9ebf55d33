//go:build !unix

package h1

import "net"

// idleProbe would look whether a pooled connection received something
// while it was idle (see the reuse contract in doc.go). This platform
// has no non-blocking peeking receive in package syscall, and a read with
// a short deadline would add its wait to every request: an idle connection
// is never trusted here, so every request gets a fresh one.
type idleProbe struct{}

func (p *idleProbe) init(net.Conn) {}

func (p *idleProbe) receivedWhileIdle() bool { return true }
