package registration

import "testing"

// §3.3: tls_port wins when it is not 0; no IPv6 brackets.
func TestAddress(t *testing.T) {
	for _, tc := range []struct {
		name          string
		host          string
		port, tlsPort uint16
		addr          string
		tls           bool
	}{
		{name: "plain", host: "10.0.0.1", port: 8080, addr: "10.0.0.1:8080"},
		{name: "tls_port only", host: "10.0.0.1", tlsPort: 61000, addr: "10.0.0.1:61000", tls: true},
		{name: "tls_port wins over port", host: "10.0.0.1", port: 61001, tlsPort: 61002, addr: "10.0.0.1:61002", tls: true},
		{name: "port 0 and no tls_port", host: "h", addr: "h:0"},
		{name: "largest port", host: "h", tlsPort: 65535, addr: "h:65535", tls: true},
		{name: "IPv6 without brackets", host: "::1", port: 8080, addr: "::1:8080"},
		{name: "IPv6 in brackets as sent", host: "[::1]", port: 8080, addr: "[::1]:8080"},
		{name: "empty host", port: 8080, addr: ":8080"},
		{name: "long host", host: "a-host-name-that-is-longer-than-sixty-four-bytes.apps.internal.example.com", port: 1,
			addr: "a-host-name-that-is-longer-than-sixty-four-bytes.apps.internal.example.com:1"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			m := Message{Host: tc.host, Port: tc.port, TLSPort: tc.tlsPort}
			addr, tls := m.Address()
			if addr != tc.addr || tls != tc.tls {
				t.Errorf("Address() = %q, %v; want %q, %v", addr, tls, tc.addr, tc.tls)
			}
		})
	}
}

// One allocation: the address string.
func TestAddressAllocations(t *testing.T) {
	m := Message{Host: "10.0.16.5", Port: 61012, TLSPort: 61014}
	if n := testing.AllocsPerRun(100, func() { m.Address() }); n > 1 {
		t.Errorf("%v allocations, want 1", n)
	}
}
