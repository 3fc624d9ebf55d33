package proxy

import (
	"crypto/tls"
	"errors"
	"io"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/skiff-proxy/skiff/filters"
)

func TestDynamicTarget(t *testing.T) {
	for _, tc := range []struct {
		name        string
		bag         map[string]any
		requestHost string
		tls         bool
		want        string // scheme://host:port; "" for an error
	}{
		{"url", map[string]any{filters.DynamicBackendURL: "HTTP://A.example/ignored"}, "x", false, "http://a.example:80"},
		{"host and scheme", map[string]any{filters.DynamicBackendHost: "a.example:8080", filters.DynamicBackendScheme: "https"}, "x", false, "https://a.example:8080"},
		{"request host", nil, "[::1]", false, "http://[::1]:80"},
		{"request host over TLS", nil, "a.example", true, "https://a.example:443"},
		{"unsupported scheme", map[string]any{filters.DynamicBackendURL: "ftp://a.example"}, "x", false, ""},
		{"bad request host", nil, "a b", false, ""},
		{"no host", nil, "", false, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := httptest.NewRequest("GET", "/", nil)
			if !tc.tls {
				r.TLS = nil
			} else {
				r.TLS = &tls.ConnectionState{}
			}
			c := &reqCtx{req: r, bag: tc.bag, requestHost: tc.requestHost}
			scheme, host, err := dynamicTarget(c)
			if tc.want == "" {
				if err == nil || !errors.Is(err, errBadBackendURL) {
					t.Fatalf("got %s://%s, %v; want errBadBackendURL", scheme, host, err)
				}
				return
			}
			if err != nil || scheme+"://"+host != tc.want {
				t.Errorf("got %s://%s, %v; want %s", scheme, host, err, tc.want)
			}
		})
	}
}

func TestTeeBody(t *testing.T) {
	src := io.NopCloser(strings.NewReader("hello world"))
	tb := newTeeBody(src)
	m := tb.mirror()
	main, _ := io.ReadAll(tb)
	shadow, err := io.ReadAll(m)
	if string(main) != "hello world" || string(shadow) != "hello world" || err != nil {
		t.Errorf("main %q, shadow %q, %v", main, shadow, err)
	}
	m.Close()
	if _, err := m.Read(make([]byte, 1)); err == nil {
		t.Error("read after close succeeded")
	}
}

func TestTeeBodyOverrun(t *testing.T) {
	big := strings.Repeat("x", maxTeeBacklog+1)
	tb := newTeeBody(io.NopCloser(strings.NewReader(big)))
	m := tb.mirror()
	n, err := io.Copy(io.Discard, tb)
	if err != nil || n != int64(len(big)) {
		t.Fatalf("main body: %d %v; it must never wait for the shadow", n, err)
	}
	if _, err := io.ReadAll(m); !errors.Is(err, errTeeOverrun) {
		t.Errorf("shadow err %v, want overrun", err)
	}
}

func TestTeeBodyClosedEarly(t *testing.T) {
	tb := newTeeBody(io.NopCloser(strings.NewReader("abc")))
	m := tb.mirror()
	tb.Read(make([]byte, 1))
	tb.Close()
	b, err := io.ReadAll(m)
	if string(b) != "a" || !errors.Is(err, io.ErrUnexpectedEOF) {
		t.Errorf("shadow %q %v", b, err)
	}
}
