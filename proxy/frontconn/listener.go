package frontconn

import "net"

// NewListener returns a listener whose connections are those of inner,
// each wrapped in a *Conn. Its connections share the MaxTotalHeaderBytes
// budget.
func NewListener(inner net.Listener, cfg Config) net.Listener {
	return &listener{Listener: inner, s: newSettings(cfg)}
}

type listener struct {
	net.Listener
	s *settings
}

func (l *listener) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if err != nil {
		return nil, err
	}
	return newConn(c, l.s, nil), nil
}
