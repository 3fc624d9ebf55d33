package forwarded

import (
	"net/http/httptest"
	"testing"

	"github.com/skiff-proxy/skiff/predicates/internal/predtest"
)

func TestForwarded(t *testing.T) {
	for _, tc := range []struct {
		spec      string
		args      []any
		forwarded string
		want      bool
		wantErr   bool
	}{
		{spec: HostName, args: []any{"^example[.]com$"}, forwarded: "host=example.com", want: true},
		{spec: HostName, args: []any{"^example[.]com$"}, forwarded: `for=1.2.3.4;host="example.com";proto=https`, want: true},
		{spec: HostName, args: []any{"^example[.]com$"}, forwarded: "host=other.com", want: false},
		{spec: HostName, args: []any{"example"}, forwarded: "", want: false},
		// The last host of several elements counts.
		{spec: HostName, args: []any{"^b$"}, forwarded: "host=a, host=b", want: true},
		{spec: HostName, args: []any{"^a$"}, forwarded: "host=a, host=b", want: false},
		{spec: HostName, args: []any{"^a$"}, forwarded: "Host=a", want: true},
		{spec: ProtocolName, args: []any{"https"}, forwarded: "proto=https", want: true},
		{spec: ProtocolName, args: []any{"http"}, forwarded: "proto=https", want: false},
		{spec: ProtocolName, args: []any{"http"}, forwarded: "for=x; proto=http", want: true},
		{spec: ProtocolName, args: []any{"http"}, forwarded: "", want: false},
		{spec: HostName, args: []any{""}, wantErr: true},
		{spec: HostName, args: []any{"("}, wantErr: true},
		{spec: HostName, args: []any{}, wantErr: true},
		{spec: ProtocolName, args: []any{"ftp"}, wantErr: true},
		{spec: ProtocolName, args: []any{1.0}, wantErr: true},
	} {
		spec := NewHost()
		if tc.spec == ProtocolName {
			spec = NewProtocol()
		}
		p := predtest.Create(t, spec, tc.args, tc.wantErr)
		if tc.wantErr {
			continue
		}
		r := httptest.NewRequest("GET", "/", nil)
		if tc.forwarded != "" {
			r.Header.Set("Forwarded", tc.forwarded)
		}
		if got := p.Match(r); got != tc.want {
			t.Errorf("%s%v with %q: %v, want %v", tc.spec, tc.args, tc.forwarded, got, tc.want)
		}
	}
}
