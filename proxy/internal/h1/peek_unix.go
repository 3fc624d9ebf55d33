//go:build unix

package h1

import (
	"net"
	"syscall"
)

// idleProbe looks, without consuming anything, whether a pooled
// connection received something while it was idle (see the reuse
// contract in doc.go).
type idleProbe struct {
	rc    syscall.RawConn // nil for connections without a descriptor: never probed
	fn    func(fd uintptr) bool
	buf   [1]byte
	dirty bool
}

func (p *idleProbe) init(nc net.Conn) {
	sc, ok := nc.(syscall.Conn)
	if !ok {
		return
	}
	rc, err := sc.SyscallConn()
	if err != nil {
		return
	}
	p.rc = rc
	p.fn = p.peek // one closure per connection, not one per request
}

// receivedWhileIdle reports a byte waiting, the end of the stream or an
// error on the connection: any of them makes it unfit for another request.
func (p *idleProbe) receivedWhileIdle() bool {
	if p.rc == nil {
		return false
	}
	p.dirty = false
	if err := p.rc.Read(p.fn); err != nil {
		return true
	}
	return p.dirty
}

// peek runs one non-blocking receive with MSG_PEEK (the descriptor is in
// non-blocking mode, as all of Go's sockets): EAGAIN means that nothing
// arrived; data, 0 bytes (the backend closed) or another error do not.
// Returning true tells the runtime not to wait for readability.
func (p *idleProbe) peek(fd uintptr) bool {
	for {
		_, _, err := syscall.Recvfrom(int(fd), p.buf[:], syscall.MSG_PEEK)
		if err == syscall.EINTR {
			continue
		}
		p.dirty = err != syscall.EAGAIN && err != syscall.EWOULDBLOCK
		return true
	}
}
