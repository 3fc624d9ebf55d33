package inbound

import (
	"context"
	"crypto/tls"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/sirupsen/logrus"
)

func TestParseForwardedHeaders(t *testing.T) {
	for _, tc := range []struct {
		list, exclude []string
		ok            bool
	}{
		{nil, nil, true},
		{[]string{"X-Forwarded-For", "x-forwarded-host", "X-Forwarded-Method", "X-Forwarded-Uri"}, nil, true},
		{[]string{"X-Forwarded-Port=auto", "X-Forwarded-Proto=auto"}, []string{"10.0.0.0/8", "::1/128"}, true},
		{[]string{"X-Forwarded-Port=8443", "X-Forwarded-Proto=https"}, nil, true},
		{[]string{"X-Forwarded-Port"}, nil, false},
		{[]string{"X-Forwarded-Port=0"}, nil, false},
		{[]string{"X-Forwarded-Proto=ftp"}, nil, false},
		{[]string{"X-Forwarded-For=1"}, nil, false},
		{[]string{"X-Real-Ip"}, nil, false},
		{[]string{"X-Forwarded-For"}, []string{"10.0.0.1"}, false},
		{nil, []string{"10.0.0.0/8"}, false},
	} {
		_, err := ParseForwarded(tc.list, tc.exclude)
		if (err == nil) != tc.ok {
			t.Errorf("%q exclude %q: error %v, want ok %v", tc.list, tc.exclude, err, tc.ok)
		}
	}
}

func TestForwardedHeaders(t *testing.T) {
	l := logrus.New()
	l.SetOutput(io.Discard)
	all := []string{"X-Forwarded-For", "X-Forwarded-Host", "X-Forwarded-Method", "X-Forwarded-Uri",
		"X-Forwarded-Port=auto", "X-Forwarded-Proto=auto"}
	for _, tc := range []struct {
		name     string
		list     []string
		exclude  []string
		remote   string
		tls      bool
		xff      string
		want     map[string]string
		predSees bool
	}{
		{"none by default", nil, nil, "192.0.2.1:1234", false, "203.0.113.9",
			map[string]string{"X-Forwarded-For": "203.0.113.9", "X-Forwarded-Host": "", "X-Forwarded-Proto": ""}, false},
		{"all", all, nil, "192.0.2.1:1234", true, "203.0.113.9",
			map[string]string{
				"X-Forwarded-For": "203.0.113.9, 192.0.2.1", "X-Forwarded-Host": "example.org",
				"X-Forwarded-Method": "POST", "X-Forwarded-Uri": "/p?q=1",
				"X-Forwarded-Port": "9443", "X-Forwarded-Proto": "https",
			}, true},
		{"fixed values, no previous XFF", []string{"X-Forwarded-For", "X-Forwarded-Port=443", "X-Forwarded-Proto=http"}, nil,
			"[2001:db8::1]:5555", false, "",
			map[string]string{"X-Forwarded-For": "2001:db8::1", "X-Forwarded-Port": "443", "X-Forwarded-Proto": "http"}, true},
		{"excluded client", all, []string{"192.0.2.0/24"}, "192.0.2.1:1234", false, "",
			map[string]string{"X-Forwarded-For": "", "X-Forwarded-Host": ""}, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			fwd, err := ParseForwarded(tc.list, tc.exclude)
			if err != nil {
				t.Fatal(err)
			}
			var got http.Header
			s := NewServer(Config{Forwarded: fwd, Log: l}, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				got = r.Header.Clone()
			}))
			r := httptest.NewRequest("POST", "/p?q=1", nil)
			r.Host = "example.org"
			r.RemoteAddr = tc.remote
			if tc.xff != "" {
				r.Header.Set("X-Forwarded-For", tc.xff)
			}
			if tc.tls {
				r.TLS = &tls.ConnectionState{}
			}
			local := &net.TCPAddr{IP: net.IPv4(127, 0, 0, 1), Port: 9443}
			r = r.WithContext(context.WithValue(r.Context(), http.LocalAddrContextKey, local))
			s.HTTP.Handler.ServeHTTP(httptest.NewRecorder(), r)
			for k, want := range tc.want {
				if g := got.Get(k); g != want {
					t.Errorf("%s: %q, want %q", k, g, want)
				}
			}
		})
	}
}
