package transport

import (
	"net"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"
)

func TestSettings(t *testing.T) {
	base := Config{Servers: []string{"127.0.0.1:4222"}, Host: "10.0.16.5"}
	tests := []struct {
		name   string
		change func(*Config)
		// want is checked when err is empty; err is a part of the error.
		want func(*testing.T, *settings)
		err  string
	}{{
		name: "defaults are the BOSH job's",
		want: func(t *testing.T, s *settings) {
			if s.RegisterInterval != 20*time.Second || s.PruneThreshold != 120*time.Second ||
				s.PingInterval != 20*time.Second || s.PendingMsgs != 131072 || s.PendingBytes != 131072*1024 {
				t.Errorf("defaults: %+v", s.Config)
			}
			if s.servers[0] != "nats://127.0.0.1:4222" {
				t.Errorf("server %q", s.servers[0])
			}
		},
	}, {
		name:   "threshold raised to the register interval (spec §18 A.4)",
		change: func(c *Config) { c.RegisterInterval, c.PruneThreshold = 10*time.Second, 4*time.Second },
		want: func(t *testing.T, s *settings) {
			if s.PruneThreshold != 10*time.Second {
				t.Errorf("threshold %v, want 10s", s.PruneThreshold)
			}
		},
	}, {
		name:   "threshold above the interval kept",
		change: func(c *Config) { c.RegisterInterval, c.PruneThreshold = time.Second, 4*time.Second },
		want: func(t *testing.T, s *settings) {
			if st := s.startMessage(); st.MinimumRegisterIntervalInSeconds != 1 || st.PruneThresholdInSeconds != 4 {
				t.Errorf("start %+v", st)
			}
		},
	}, {
		name:   "seconds cut, as gorouter's int(d.Seconds())",
		change: func(c *Config) { c.RegisterInterval, c.PruneThreshold = 1900*time.Millisecond, 4999*time.Millisecond },
		want: func(t *testing.T, s *settings) {
			if st := s.startMessage(); st.MinimumRegisterIntervalInSeconds != 1 || st.PruneThresholdInSeconds != 4 {
				t.Errorf("start %+v", st)
			}
		},
	}, {
		name:   "negative pending limits mean none",
		change: func(c *Config) { c.PendingMsgs, c.PendingBytes = -1, -1 },
		want: func(t *testing.T, s *settings) {
			if s.PendingMsgs != -1 || s.PendingBytes != -1 {
				t.Errorf("limits %d, %d", s.PendingMsgs, s.PendingBytes)
			}
		},
	}, {
		name: "URLs of every kind",
		change: func(c *Config) {
			c.Servers = []string{"nats://a:1", "tls://b:2", "nats://u:p@c:3", "[::1]:4", "d"}
		},
		want: func(t *testing.T, s *settings) {
			want := []string{"nats://a:1", "tls://b:2", "nats://u:p@c:3", "nats://[::1]:4", "nats://d"}
			if strings.Join(s.servers, " ") != strings.Join(want, " ") {
				t.Errorf("servers %q, want %q", s.servers, want)
			}
			if r := redacted(s.servers); strings.Contains(r, ":p@") {
				t.Errorf("password in %q", r)
			}
		},
	}, {
		name:   "Host detected when empty",
		change: func(c *Config) { c.Host = "" },
		want: func(t *testing.T, s *settings) {
			if ip := net.ParseIP(s.Host); ip == nil || ip.To4() == nil {
				t.Errorf("host %q is not IPv4", s.Host)
			}
		},
	},
		{name: "no servers", change: func(c *Config) { c.Servers = nil }, err: "Servers"},
		{name: "bad scheme", change: func(c *Config) { c.Servers = []string{"http://a:1"} }, err: `server "http://a:1" (Servers): scheme "http"`},
		{name: "bad port", change: func(c *Config) { c.Servers = []string{"a:0"} }, err: `server "a:0" (Servers): port`},
		{name: "path", change: func(c *Config) { c.Servers = []string{"nats://a:1/x"} }, err: "Servers"},
		{name: "no host", change: func(c *Config) { c.Servers = []string{"nats://:1"} }, err: "no host"},
		{name: "password alone", change: func(c *Config) { c.Password = "p" }, err: "Password without User"},
		{name: "negative index", change: func(c *Config) { c.Index = -1 }, err: "Index -1"},
		{name: "negative interval", change: func(c *Config) { c.RegisterInterval = -time.Second }, err: "RegisterInterval -1s"},
		{name: "negative threshold", change: func(c *Config) { c.PruneThreshold = -time.Second }, err: "PruneThreshold -1s"},
		{name: "negative ping", change: func(c *Config) { c.PingInterval = -time.Second }, err: "PingInterval"},
		{name: "negative reconnect wait", change: func(c *Config) { c.ReconnectWait = -time.Second }, err: "ReconnectWait"},
		{name: "IPv6 host", change: func(c *Config) { c.Host = "::1" }, err: `Host "::1"`},
		{name: "not an address", change: func(c *Config) { c.Host = "router-0" }, err: `Host "router-0"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := base
			if tt.change != nil {
				tt.change(&c)
			}
			s, err := c.settings()
			if tt.err != "" {
				if err == nil || !strings.Contains(err.Error(), tt.err) {
					t.Fatalf("error %v, want one with %q", err, tt.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			tt.want(t, s)
		})
	}
}

// The payload has the four keys of spec §2.1 and the id "<index>-<uuid v4>"
// with one UUID per process.
func TestStartPayload(t *testing.T) {
	idRE := regexp.MustCompile(`^(\d+)-[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`)
	var uuid string
	for _, index := range []int{0, 3, 12} {
		s, err := Config{Servers: []string{"a:1"}, Index: index, Host: "10.0.16.5"}.settings()
		if err != nil {
			t.Fatal(err)
		}
		m := idRE.FindStringSubmatch(s.id)
		if m == nil || m[1] != strconv.Itoa(index) {
			t.Fatalf("index %d: id %q", index, s.id)
		}
		if u := s.id[len(m[1])+1:]; uuid == "" {
			uuid = u
		} else if u != uuid {
			t.Errorf("index %d: UUID %s, want the process's %s", index, u, uuid)
		}
		got := string(s.start)
		want := `{"id":"` + s.id + `","hosts":["10.0.16.5"],"minimumRegisterIntervalInSeconds":20,"pruneThresholdInSeconds":120}`
		if got != want {
			t.Errorf("payload\n%s\nwant\n%s", got, want)
		}
	}
}

func TestNewUUID(t *testing.T) {
	re := regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`)
	seen := map[string]bool{}
	for range 1000 {
		u := newUUID()
		if !re.MatchString(u) {
			t.Fatalf("%q is not a version 4 UUID", u)
		}
		if seen[u] {
			t.Fatalf("%q twice", u)
		}
		seen[u] = true
	}
}

func TestLocalIPv4(t *testing.T) {
	for name, ip := range map[string]string{"LocalIPv4": LocalIPv4(), "interfaceIPv4": ipString(interfaceIPv4()), "routedIPv4": ipString(routedIPv4())} {
		if ip == "" {
			t.Logf("%s: none on this machine", name)
			continue
		}
		if p := net.ParseIP(ip); p == nil || p.To4() == nil || p.IsUnspecified() {
			t.Errorf("%s: %q is not an IPv4 address", name, ip)
		}
	}
	if LocalIPv4() == "" {
		t.Error("LocalIPv4 is empty")
	}
}

func ipString(ip net.IP) string {
	if ip == nil {
		return ""
	}
	return ip.String()
}
