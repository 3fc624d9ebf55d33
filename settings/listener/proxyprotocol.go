package listener

import (
	"errors"
	"fmt"
	"net"
	"net/netip"
	"strings"
	"time"

	"github.com/pires/go-proxyproto"
)

// DefaultProxyHeaderTimeout bounds the wait for a PROXY header, as in
// skipper: a load balancer sends it at once.
const DefaultProxyHeaderTimeout = time.Second

// ProxyOptions say which peers may send a PROXY protocol header. A peer's
// address (the load balancer's, not the client's) is looked up in Deny,
// then Skip, then Allow:
//
//   - Deny: a connection that starts with a PROXY header is closed.
//   - Skip: the connection is taken as it is, header or not: a PROXY
//     header would be read as the start of an HTTP request.
//   - Allow: a PROXY header, if the connection starts with one, gives
//     the connection the client's address.
//   - none of them: as Deny.
//
// A peer that sends no header is served with its own address unless it is
// in Skip. Lists are CIDRs ("10.0.0.0/8") or single addresses.
type ProxyOptions struct {
	Allow, Deny, Skip []string
	// HeaderTimeout bounds the wait for the header (default
	// DefaultProxyHeaderTimeout).
	HeaderTimeout time.Duration
}

// ProxyProtocol returns ln reading PROXY protocol headers as o says; an
// unparsable CIDR is an error naming it.
func ProxyProtocol(ln net.Listener, o ProxyOptions) (net.Listener, error) {
	var sets [3][]netip.Prefix
	for i, l := range [][]string{o.Deny, o.Skip, o.Allow} {
		ps, err := ParsePrefixes(l)
		if err != nil {
			return nil, err
		}
		sets[i] = ps
	}
	deny, skip, allow := sets[0], sets[1], sets[2]
	policy := func(p proxyproto.ConnPolicyOptions) (proxyproto.Policy, error) {
		ip, ok := addrIP(p.Upstream)
		switch {
		case !ok, contains(deny, ip):
			return proxyproto.REJECT, nil
		case contains(skip, ip):
			return proxyproto.SKIP, nil
		case contains(allow, ip):
			return proxyproto.USE, nil
		}
		return proxyproto.REJECT, nil
	}
	timeout := o.HeaderTimeout
	if timeout <= 0 {
		timeout = DefaultProxyHeaderTimeout
	}
	return &proxyListener{&proxyproto.Listener{Listener: ln, ConnPolicy: policy, ReadHeaderTimeout: timeout}}, nil
}

// ParsePrefixes parses CIDRs and single addresses; each list entry may
// itself be comma-separated.
func ParsePrefixes(list []string) ([]netip.Prefix, error) {
	var ps []netip.Prefix
	for _, entry := range list {
		for _, s := range strings.Split(entry, ",") {
			if s = strings.TrimSpace(s); s == "" {
				continue
			}
			if !strings.Contains(s, "/") {
				a, err := netip.ParseAddr(s)
				if err != nil {
					return nil, fmt.Errorf("%q is neither a CIDR nor an address", s)
				}
				ps = append(ps, netip.PrefixFrom(a.Unmap(), a.Unmap().BitLen()))
				continue
			}
			p, err := netip.ParsePrefix(s)
			if err != nil {
				return nil, fmt.Errorf("%q is not a CIDR", s)
			}
			if p.Addr().Is4In6() {
				p = netip.PrefixFrom(p.Addr().Unmap(), p.Bits()-96)
			}
			ps = append(ps, p.Masked())
		}
	}
	return ps, nil
}

func addrIP(a net.Addr) (netip.Addr, bool) {
	if ta, ok := a.(*net.TCPAddr); ok {
		ip, ok := netip.AddrFromSlice(ta.IP)
		return ip.Unmap(), ok
	}
	ap, err := netip.ParseAddrPort(a.String())
	if err != nil {
		return netip.Addr{}, false
	}
	return ap.Addr().Unmap(), true
}

func contains(ps []netip.Prefix, ip netip.Addr) bool {
	for _, p := range ps {
		if p.Contains(ip) {
			return true
		}
	}
	return false
}

// proxyListener hands out proxyproto's connections with CloseWrite, which
// the framing guard uses to close a refused connection gently.
type proxyListener struct{ *proxyproto.Listener }

func (l *proxyListener) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if pc, ok := c.(*proxyproto.Conn); ok {
		return &proxyConn{pc}, nil
	}
	return c, err
}

type proxyConn struct{ *proxyproto.Conn }

type closeWriter interface{ CloseWrite() error }

var errNoCloseWrite = errors.New("listener: connection cannot close its write side")

// CloseWrite shuts down the writing side of the underlying connection.
func (c *proxyConn) CloseWrite() error {
	if cw, ok := c.Raw().(closeWriter); ok {
		return cw.CloseWrite()
	}
	return errNoCloseWrite
}
