package settings

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"errors"
	"io"
	"math/big"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/pires/go-proxyproto"
	"github.com/sirupsen/logrus"

	"github.com/skiff-proxy/skiff/filters/breaker"
)

// writeCert writes a self-signed certificate for 127.0.0.1 named cn and
// its key to dir and returns the two file names.
func writeCert(t *testing.T, dir, cn string) (certFile, keyFile string) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(time.Now().UnixNano()),
		Subject:      pkix.Name{CommonName: cn},
		NotBefore:    time.Now().Add(-time.Hour),
		NotAfter:     time.Now().Add(time.Hour),
		IPAddresses:  []net.IP{net.IPv4(127, 0, 0, 1)},
		KeyUsage:     x509.KeyUsageDigitalSignature,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth, x509.ExtKeyUsageClientAuth},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	kb, err := x509.MarshalECPrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	certFile, keyFile = filepath.Join(dir, cn+".crt"), filepath.Join(dir, cn+".key")
	if err := os.WriteFile(certFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(keyFile, pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: kb}), 0o600); err != nil {
		t.Fatal(err)
	}
	return certFile, keyFile
}

func certName(c *tls.Certificate) string {
	x, err := x509.ParseCertificate(c.Certificate[0])
	if err != nil {
		return err.Error()
	}
	return x.Subject.CommonName
}

const someRoutes = `r: * -> <shunt>;`

func TestServerTLS(t *testing.T) {
	dir := t.TempDir()
	c1, k1 := writeCert(t, dir, "one")
	c2, k2 := writeCert(t, dir, "two")
	c, err := Resolve(Options{InlineRoutes: someRoutes, TLSCert: c1 + "," + c2, TLSKey: k1 + "," + k2,
		TLSMinVersion: tls.VersionTLS13, TLSClientAuth: tls.RequestClientCert})
	if err != nil {
		t.Fatal(err)
	}
	s := c.ServerTLS
	if len(s.Certificates) != 2 || certName(&s.Certificates[0]) != "one" || certName(&s.Certificates[1]) != "two" {
		t.Errorf("certificates %d", len(s.Certificates))
	}
	if s.MinVersion != tls.VersionTLS13 || s.ClientAuth != tls.RequestClientCert {
		t.Errorf("min version %x, client auth %v", s.MinVersion, s.ClientAuth)
	}
	if c.Inbound.Cert == nil || certName(c.Inbound.Cert) != "one" {
		t.Error("the listener's certificate is not the first")
	}
	if c.BackendTLS == nil || c.BackendTLS.MinVersion != tls.VersionTLS13 {
		t.Errorf("backends' TLS %+v: the minimum version is for both sides", c.BackendTLS)
	}

	c, err = Resolve(Options{InlineRoutes: someRoutes, TLSCert: c1, TLSKey: k1})
	if err != nil {
		t.Fatal(err)
	}
	if c.ServerTLS.MinVersion != tls.VersionTLS12 || c.BackendTLS != nil {
		t.Errorf("defaults: listener min version %x, backends %+v", c.ServerTLS.MinVersion, c.BackendTLS)
	}

	for _, tc := range []struct {
		o      Options
		option string
	}{
		{Options{TLSCert: c1 + "," + c2, TLSKey: k1}, "TLSCert/TLSKey"},
		{Options{TLSCert: k1, TLSKey: c1}, "TLSCert/TLSKey"},
		{Options{TLSMinVersion: 0x0200}, "TLSMinVersion"},
		{Options{ClientTLSCert: c1}, "ClientTLSCert/ClientTLSKey"},
		{Options{EnableMTLS: true}, "ClientTLSCert/ClientTLSKey"},
		{Options{EnableMTLS: true, ClientTLSCert: c1 + "," + c2, ClientTLSKey: k1 + "," + k2}, "ClientTLSCert/ClientTLSKey"},
		{Options{ProxyAllowCIDRs: []string{"10.0.0.0/8,nope"}}, "ProxyAllowCIDRs"},
		{Options{Ratelimits: []Ratelimit{{Type: ClientRatelimit, MaxHits: 0, TimeWindow: time.Second}}}, "Ratelimits[0]"},
		{Options{Ratelimits: []Ratelimit{{Type: "clusterClient", MaxHits: 1, TimeWindow: time.Second}}}, "Ratelimits[0]"},
	} {
		tc.o.InlineRoutes = someRoutes
		_, err := Resolve(tc.o)
		var ce *ConfigError
		if !errors.As(err, &ce) || ce.Option != tc.option {
			t.Errorf("%+v: error %v, want one about %s", tc.o, err, tc.option)
		}
	}
	if v, err := ParseTLSVersion("13"); v != tls.VersionTLS13 || err != nil {
		t.Errorf("13: %x %v", v, err)
	}
	if _, err := ParseTLSVersion("1.4"); err == nil {
		t.Error("1.4 accepted")
	}
	if a, err := ParseTLSClientAuth("RequireAndVerifyClientCert"); a != tls.RequireAndVerifyClientCert || err != nil {
		t.Errorf("client auth %v %v", a, err)
	}
	if _, err := ParseTLSClientAuth("always"); err == nil {
		t.Error("a bad client auth type was accepted")
	}
}

// TestClientCertificate: an https backend that asks for a client
// certificate gets -client-tls-cert's, and the backend's own certificate
// is verified with -backend-ca-file.
func TestClientCertificate(t *testing.T) {
	dir := t.TempDir()
	clientCert, clientKey := writeCert(t, dir, "skiff-client")
	backend := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if len(r.TLS.PeerCertificates) == 0 {
			io.WriteString(w, "no certificate")
			return
		}
		io.WriteString(w, r.TLS.PeerCertificates[0].Subject.CommonName)
	}))
	backend.TLS = &tls.Config{ClientAuth: tls.RequireAnyClientCert}
	backend.StartTLS()
	defer backend.Close()
	caFile := filepath.Join(dir, "backend-ca.pem")
	os.WriteFile(caFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: backend.Certificate().Raw}), 0o600)

	for _, mtls := range []bool{false, true} {
		c, err := Resolve(Options{InlineRoutes: someRoutes, ClientTLSCert: clientCert, ClientTLSKey: clientKey, EnableMTLS: mtls, BackendCAFile: caFile})
		if err != nil {
			t.Fatal(err)
		}
		tr := &http.Transport{TLSClientConfig: c.BackendTLS}
		rsp, err := (&http.Client{Transport: tr}).Get(backend.URL)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(rsp.Body)
		rsp.Body.Close()
		tr.CloseIdleConnections()
		if string(b) != "skiff-client" {
			t.Errorf("mtls %v: the backend saw %q", mtls, b)
		}
	}
}

func TestCertReloader(t *testing.T) {
	dir := t.TempDir()
	certFile, keyFile := writeCert(t, dir, "first")
	now := time.Unix(1000, 0)
	log := logrus.New()
	log.SetOutput(io.Discard)
	r, err := newCertReloader(certFile, keyFile, time.Minute, func() time.Time { return now }, log)
	if err != nil {
		t.Fatal(err)
	}
	get := func() string {
		c, err := r.get(nil)
		if err != nil {
			return err.Error()
		}
		return certName(c)
	}
	// Rotate: the new files take effect once the interval passed.
	c2, k2 := writeCert(t, dir, "second")
	os.Rename(c2, certFile)
	os.Rename(k2, keyFile)
	now = now.Add(59 * time.Second)
	if n := get(); n != "first" {
		t.Errorf("before the interval: %s", n)
	}
	now = now.Add(time.Second)
	if n := get(); n != "second" {
		t.Errorf("after the interval: %s", n)
	}
	// A broken file keeps the certificate in use.
	os.WriteFile(certFile, []byte("garbage"), 0o600)
	now = now.Add(time.Minute)
	if n := get(); n != "second" {
		t.Errorf("with a broken file: %s", n)
	}
}

func TestGlobalRatelimit(t *testing.T) {
	ok := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "ok") })
	now := time.Unix(1000, 0)
	clock := func() time.Time { return now }
	do := func(h http.Handler, client string) *http.Response {
		r := httptest.NewRequest("GET", "http://x/", nil)
		r.RemoteAddr = client + ":1234"
		w := httptest.NewRecorder()
		h.ServeHTTP(w, r)
		return w.Result()
	}

	h := newGlobalLimit(Ratelimit{Type: ClientRatelimit, MaxHits: 2, TimeWindow: 10 * time.Second}, clock, ok)
	for i := 0; i < 2; i++ {
		if s := do(h, "192.0.2.1").StatusCode; s != 200 {
			t.Fatalf("request %d: %d", i+1, s)
		}
		now = now.Add(time.Second)
	}
	rsp := do(h, "192.0.2.1")
	b, _ := io.ReadAll(rsp.Body)
	if rsp.StatusCode != 429 || string(b) != "Too Many Requests\n" ||
		rsp.Header.Get("X-Rate-Limit") != "720" || rsp.Header.Get("Retry-After") != "8" {
		t.Errorf("third request: %d %q %v", rsp.StatusCode, b, rsp.Header)
	}
	if s := do(h, "192.0.2.2").StatusCode; s != 200 {
		t.Errorf("another client: %d", s)
	}
	now = now.Add(8 * time.Second)
	if s := do(h, "192.0.2.1").StatusCode; s != 200 {
		t.Errorf("after the first request left the window: %d", s)
	}

	h = newGlobalLimit(Ratelimit{Type: ServiceRatelimit, MaxHits: 1, TimeWindow: time.Second}, clock, ok)
	if s := do(h, "192.0.2.1").StatusCode; s != 200 {
		t.Errorf("service limit, first: %d", s)
	}
	if s := do(h, "192.0.2.2").StatusCode; s != 429 {
		t.Errorf("service limit counts every client: %d", s)
	}
	// Quiet clients are forgotten.
	now = now.Add(time.Hour)
	do(h, "192.0.2.3")
	n := 0
	for i := range h.shards {
		n += len(h.shards[i].clients)
	}
	if n != 1 {
		t.Errorf("%d clients kept", n)
	}

	c := &Resolved{Options: Options{Ratelimits: []Ratelimit{{Type: DisableRatelimit}}}}
	if _, wrapped := c.WrapHandler(ok).(*globalLimit); wrapped {
		t.Error("a disabled limit wraps the handler")
	}
	c.Ratelimits = []Ratelimit{{Type: ServiceRatelimit, MaxHits: 1, TimeWindow: time.Second}}
	if _, wrapped := c.WrapHandler(ok).(*globalLimit); !wrapped {
		t.Error("the limit does not wrap the handler")
	}
}

func TestBreakersAndRatelimitsEnable(t *testing.T) {
	o := Options{DefaultFiltersAppend: []string{"status(200)"}, Breakers: []breaker.Settings{{Type: breaker.Consecutive, Failures: 5}}}
	rc := o.RouteConfig()
	if !rc.EnableBreakers || !slices.Equal(rc.DefaultFiltersAppend, []string{"status(200)", "hostBreaker()"}) {
		t.Errorf("enable %v, append %q", rc.EnableBreakers, rc.DefaultFiltersAppend)
	}
	if len(o.DefaultFiltersAppend) != 1 {
		t.Error("the option was changed")
	}
	o = Options{Breakers: []breaker.Settings{{Type: breaker.Disabled}}, Ratelimits: []Ratelimit{{Type: DisableRatelimit}}}
	rc = o.RouteConfig()
	if !rc.EnableBreakers || !rc.EnableRatelimits || len(rc.DefaultFiltersAppend) != 0 {
		t.Errorf("disabled settings: enable %v %v, append %q", rc.EnableBreakers, rc.EnableRatelimits, rc.DefaultFiltersAppend)
	}
}

func TestRoutesURLs(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/routes.eskip" {
			http.NotFound(w, r)
			return
		}
		io.WriteString(w, `u: Path("/u") -> <shunt>;`)
	}))
	defer srv.Close()
	quiet := logrus.New()
	quiet.SetOutput(io.Discard)
	file := filepath.Join(t.TempDir(), "local.eskip")
	os.WriteFile(file, []byte(someRoutes), 0o600)

	c, err := Resolve(Options{RoutesURLs: []string{srv.URL + "/routes.eskip", file}, Log: quiet})
	if err != nil {
		t.Fatal(err)
	}
	if rf := c.RouteConfig().RoutesFiles; !slices.Equal(rf, []string{file}) {
		t.Errorf("routes files %q", rf)
	}
	p, err := c.Pipeline(nil)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, dc := range p.DataClients {
		names = append(names, dc.Name())
	}
	p.Close()
	if !slices.Contains(names, "routes-url:"+srv.URL+"/routes.eskip") {
		t.Errorf("data clients %q", names)
	}

	c, err = Resolve(Options{RoutesURLs: []string{srv.URL + "/missing"}, Log: quiet})
	if err != nil {
		t.Fatal(err)
	}
	_, err = c.Pipeline(nil)
	var ce *ConfigError
	if !errors.As(err, &ce) || ce.Option != "routes-urls" || !strings.Contains(err.Error(), "404") {
		t.Errorf("a missing document: %v", err)
	}
}

func TestWrapListener(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	c := &Resolved{Options: Options{EnableTCPQueue: true, MaxTCPListenerConcurrency: 4, EnableProxyProtocol: true, ProxyAllowCIDRs: []string{"127.0.0.1/32"}}}
	wl, err := c.WrapListener(ln)
	if err != nil {
		t.Fatal(err)
	}
	defer wl.Close()
	cc, err := net.Dial("tcp", wl.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer cc.Close()
	h := &proxyproto.Header{Version: 2, Command: proxyproto.PROXY, TransportProtocol: proxyproto.TCPv4,
		SourceAddr: &net.TCPAddr{IP: net.ParseIP("203.0.113.9"), Port: 5555}, DestinationAddr: &net.TCPAddr{IP: net.ParseIP("127.0.0.1"), Port: 80}}
	h.WriteTo(cc)
	sc, err := wl.Accept()
	if err != nil {
		t.Fatal(err)
	}
	defer sc.Close()
	if a := sc.RemoteAddr().String(); a != "203.0.113.9:5555" {
		t.Errorf("remote address %s", a)
	}

	plain := &Resolved{}
	ln2, _ := net.Listen("tcp", "127.0.0.1:0")
	if got, _ := plain.WrapListener(ln2); got != ln2 {
		t.Error("without options the listener is wrapped")
	}
	ln2.Close()
}

func TestRefusePayload(t *testing.T) {
	ok := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "ok") })
	c := &Resolved{Options: Options{RefusePayload: []string{"../", "evil", "X-Bad"}}}
	h := c.WrapHandler(ok)
	for _, tc := range []struct {
		target string
		header http.Header
		want   int
	}{
		{"/fine?q=1", nil, 200},
		{"/a/../b", nil, 400},
		{"/a/%2E%2E%2Fb", nil, 400}, // unescaped
		{"/x", http.Header{"X-Bad-Thing": {"1"}}, 400},
		{"/x", http.Header{"X-Y": {"very evil"}}, 400},
	} {
		r := httptest.NewRequest("GET", "http://x"+tc.target, nil)
		r.RequestURI = tc.target
		for k, v := range tc.header {
			r.Header[k] = v
		}
		w := httptest.NewRecorder()
		h.ServeHTTP(w, r)
		if w.Code != tc.want || (w.Code == 400 && w.Body.String() != "Invalid request\n") {
			t.Errorf("%s %v: %d %q", tc.target, tc.header, w.Code, w.Body)
		}
	}
}
