package transport

import "net"

// outside is any public address: connecting a UDP socket to it only asks
// the kernel for the route, and sends nothing. It is the address Cloud
// Foundry's localip package uses for the same question.
var outside = &net.UDPAddr{IP: net.IPv4(1, 2, 3, 4), Port: 1}

// LocalIPv4 returns the router's primary local IPv4 address, which
// router.start announces in hosts (spec §2.1): the source address the
// kernel picks for traffic to the outside, found as gorouter finds it,
// with a UDP socket connected to a public address (no packet leaves).
// Without such a route (a machine with no default route), it is the first
// IPv4 address of an interface that is up and not loopback, and failing
// that 127.0.0.1.
func LocalIPv4() string {
	if ip := routedIPv4(); ip != nil {
		return ip.String()
	}
	if ip := interfaceIPv4(); ip != nil {
		return ip.String()
	}
	return "127.0.0.1"
}

func routedIPv4() net.IP {
	c, err := net.DialUDP("udp4", nil, outside)
	if err != nil {
		return nil
	}
	defer c.Close()
	a, ok := c.LocalAddr().(*net.UDPAddr)
	if !ok || a.IP.To4() == nil || a.IP.IsUnspecified() {
		return nil
	}
	return a.IP.To4()
}

func interfaceIPv4() net.IP {
	ifs, err := net.Interfaces()
	if err != nil {
		return nil
	}
	for _, i := range ifs {
		if i.Flags&net.FlagUp == 0 || i.Flags&net.FlagLoopback != 0 {
			continue
		}
		addrs, err := i.Addrs()
		if err != nil {
			continue
		}
		for _, a := range addrs {
			if n, ok := a.(*net.IPNet); ok && n.IP.To4() != nil && !n.IP.IsLoopback() {
				return n.IP.To4()
			}
		}
	}
	return nil
}
