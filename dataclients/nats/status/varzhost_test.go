package status

import (
	"encoding/json"
	"net"
	"testing"
)

// A Server reports the address it listens on as /varz's "host" when the
// configuration names none (the default listener, or one handed in) or
// names port 0; a configured host is kept.
func TestVarzHostFromListener(t *testing.T) {
	for _, tc := range []struct {
		name, host string
		bound      bool // want the bound address
	}{
		{"none", "", true},
		{"port 0", "127.0.0.1:0", true},
		{"configured", "10.0.0.5:8080", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := &Server{Handler: NewHandler(Config{EnableVarz: true, Host: tc.host}, nil, fakeHealth(true))}
			ln, err := net.Listen("tcp", "127.0.0.1:0")
			if err != nil {
				t.Fatal(err)
			}
			a, err := s.StartListener(ln)
			if err != nil {
				t.Fatal(err)
			}
			defer s.Close(t.Context())
			r := get(t, "GET", "http://"+a.String()+"/varz", basic(":"))
			var v map[string]any
			if err := json.Unmarshal([]byte(r.body), &v); err != nil {
				t.Fatalf("%v: %s", err, r.body)
			}
			want := tc.host
			if tc.bound {
				want = a.String()
			}
			if v["host"] != want {
				t.Errorf("host %v, want %q", v["host"], want)
			}
		})
	}
}
