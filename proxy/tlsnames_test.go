package proxy

import (
	"crypto/tls"
	"crypto/x509"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/skiff-proxy/skiff/filters"
)

// An https endpoint is verified against the name in the state bag, and a
// connection verified for one name is never used for another.
func TestBackendTLSName(t *testing.T) {
	var conns atomic.Int32
	be := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {}))
	be.Config.ConnState = func(_ net.Conn, s http.ConnState) {
		if s == http.StateNew {
			conns.Add(1)
		}
	}
	be.StartTLS()
	t.Cleanup(be.Close)
	roots := x509.NewCertPool()
	roots.AddCert(be.Certificate()) // valid for example.com and 127.0.0.1

	reg := testRegistry()
	reg.Register(testSpec{"tlsName", func(args []any) filters.Filter {
		return funcFilter{req: func(c filters.FilterContext) {
			if n := c.Request().Header.Get("X-Name"); n != "" {
				c.StateBag()[filters.BackendTLSName] = n
			}
		}}
	}})
	r := lbRoute("lb", "/", be.URL)
	r.Filters = append(r.Filters, f("tlsName"))
	fx := startProxyReg(t, reg, Options{ClientTLS: &tls.Config{RootCAs: roots}}, r)

	send := func(name string) int {
		t.Helper()
		req := mustReq(t, "GET", fx.url("/"), nil)
		if name != "" {
			req.Header.Set("X-Name", name)
		}
		rsp, _ := do(t, req)
		return rsp.StatusCode
	}
	for _, tc := range []struct {
		name string
		want int
	}{
		{"", 200},            // the IP, which the certificate names
		{"example.com", 200}, // a name it carries
		{"example.com", 200},
		{"inst-9.example.org", 502}, // not a name of it: the connection is not reused
		{"example.com", 200},
	} {
		if got := send(tc.name); got != tc.want {
			t.Errorf("name %q: status %d, want %d", tc.name, got, tc.want)
		}
	}
	// One connection for the IP, one for example.com (kept alive and
	// reused), one refused handshake for the wrong name.
	if n := conns.Load(); n != 3 {
		t.Errorf("%d backend connections, want 3", n)
	}
	if n := fx.proxy.named.len(); n != 2 {
		t.Errorf("%d named transports, want 2", n)
	}
	fx.proxy.named.sweep()
	fx.proxy.named.sweep()
	if n := fx.proxy.named.len(); n != 0 {
		t.Errorf("%d named transports after two idle sweeps, want 0", n)
	}
	if !strings.HasPrefix(be.URL, "https://") {
		t.Fatal("backend is not https")
	}
}

// The named transports stay bounded.
func TestTLSNamesBounded(t *testing.T) {
	n := tlsNames{base: &http.Transport{TLSClientConfig: &tls.Config{}}}
	for i := range maxTLSNames + 10 {
		tr := n.get(strings.Repeat("x", i%7) + string(rune('a'+i%26)) + itoa(i))
		if tr.TLSClientConfig.ServerName == "" {
			t.Fatal("no server name set")
		}
	}
	if l := n.len(); l > maxTLSNames {
		t.Errorf("%d names kept, limit %d", l, maxTLSNames)
	}
	if n.base.TLSClientConfig.ServerName != "" {
		t.Error("the base transport's configuration changed")
	}
}
