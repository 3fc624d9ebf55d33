package e2e

import (
	"testing"

	"github.com/skiff-proxy/skiff"
)

func TestNormalizeHost(t *testing.T) {
	doc := routes(`h: Host("^api[.]example[.]org$") -> inlineContent("api") -> <shunt>;`)
	for _, tc := range []struct {
		name      string
		normalize bool
		host      string
		want      int
	}{
		{"normal host", true, "api.example.org", 200},
		{"case, port and dot", true, "API.Example.org.:8080", 200},
		{"off: port kept", false, "api.example.org:8080", 404},
		{"off: case kept", false, "API.example.org", 404},
	} {
		t.Run(tc.name, func(t *testing.T) {
			in := start(t, doc, skiff.Options{NormalizeHost: tc.normalize})
			if r := in.get(t, "/", "Host", tc.host); r.status != tc.want {
				t.Errorf("Host %q: %d, want %d", tc.host, r.status, tc.want)
			}
		})
	}
}
