package config

import (
	"bufio"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"fmt"
	"io"
	"math/big"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/pires/go-proxyproto"
	"github.com/sirupsen/logrus"

	"github.com/skiff-proxy/skiff"
)

// skipperServe parses a skipper command line as the binary does and runs
// skiff with it on a listener of the test's; it returns the proxy's
// address. The test's cleanup stops it.
func skipperServe(t *testing.T, args ...string) string {
	t.Helper()
	c, _, err := parseServeFlags(append(args, "-support-listener=", "-wait-for-healthcheck-interval=0", "-access-log-disabled"), Extensions{})
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	o := c.opts
	o.Listener = ln
	o.WaitFirstRouteLoad = true
	quiet := logrus.New()
	quiet.SetOutput(io.Discard)
	o.Log = quiet
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- skiff.Run(ctx, o) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("skiff.Run: %v", err)
		}
	})
	addr := ln.Addr().String()
	// Wait until the routes are loaded and the listener serves.
	for deadline := time.Now().Add(5 * time.Second); ; time.Sleep(5 * time.Millisecond) {
		if cn, err := net.Dial("tcp", addr); err == nil {
			cn.Close()
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("skiff does not listen")
		}
	}
	return addr
}

func echoBackend(t *testing.T) *httptest.Server {
	s := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintf(w, "xff=%s", r.Header.Get("X-Forwarded-For"))
	}))
	t.Cleanup(s.Close)
	return s
}

func get(t *testing.T, c *http.Client, url string, header ...string) (int, http.Header, string) {
	t.Helper()
	req, _ := http.NewRequest("GET", url, nil)
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	rsp, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer rsp.Body.Close()
	b, _ := io.ReadAll(rsp.Body)
	return rsp.StatusCode, rsp.Header, string(b)
}

// TestSkipperCommandLineE2E runs skiff with skipper command lines and
// checks, through the real server, the flags that act outside the route
// pipeline.
func TestSkipperCommandLineE2E(t *testing.T) {
	plain := &http.Client{Transport: &http.Transport{DisableKeepAlives: true}}

	t.Run("proxy protocol", func(t *testing.T) {
		b := echoBackend(t)
		addr := skipperServe(t, "-inline-routes", `r: * -> "`+b.URL+`";`, "-forwarded-headers", "X-Forwarded-For",
			"-enable-proxy-protocol", "-proxy-allow-cidrs", "127.0.0.0/8")
		c, err := net.Dial("tcp", addr)
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		h := &proxyproto.Header{Version: 1, Command: proxyproto.PROXY, TransportProtocol: proxyproto.TCPv4,
			SourceAddr: &net.TCPAddr{IP: net.ParseIP("192.0.2.7"), Port: 4711}, DestinationAddr: &net.TCPAddr{IP: net.ParseIP("127.0.0.1"), Port: 80}}
		h.WriteTo(c)
		io.WriteString(c, "GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
		rsp, err := http.ReadResponse(bufio.NewReader(c), nil)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(rsp.Body)
		if string(body) != "xff=192.0.2.7" {
			t.Errorf("the backend saw %q, want the client address of the PROXY header", body)
		}
		// A client without a header is served with its own address.
		if _, _, body := get(t, plain, "http://"+addr+"/"); body != "xff=127.0.0.1" {
			t.Errorf("without a header the backend saw %q", body)
		}
	})

	t.Run("global ratelimit and refuse-payload", func(t *testing.T) {
		b := echoBackend(t)
		addr := skipperServe(t, "-inline-routes", `r: * -> "`+b.URL+`";`,
			"-ratelimits", "type=client,max-hits=2,time-window=1h", "-refuse-payload", "${jndi:")
		if s, _, _ := get(t, plain, "http://"+addr+"/?q=${jndi:ldap}"); s != 400 {
			t.Errorf("refused payload: %d", s)
		}
		for range 2 {
			if s, _, _ := get(t, plain, "http://"+addr+"/"); s != 200 {
				t.Fatalf("within the limit: %d", s)
			}
		}
		s, h, body := get(t, plain, "http://"+addr+"/")
		if s != 429 || h.Get("X-Rate-Limit") != "2" || h.Get("Retry-After") == "" || body != "Too Many Requests\n" {
			t.Errorf("over the limit: %d %v %q", s, h, body)
		}
		if s, _, _ := get(t, plain, "http://"+addr+"/", "X-Forwarded-For", "198.51.100.1"); s != 200 {
			t.Errorf("another client: %d", s)
		}
	})

	t.Run("breaker", func(t *testing.T) {
		failing := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(500) }))
		defer failing.Close()
		addr := skipperServe(t, "-inline-routes", `r: * -> "`+failing.URL+`";`, "-breaker", "type=consecutive,failures=2,timeout=1m")
		for i := range 2 {
			if s, _, _ := get(t, plain, "http://"+addr+"/"); s != 500 {
				t.Fatalf("request %d: %d", i+1, s)
			}
		}
		s, h, _ := get(t, plain, "http://"+addr+"/")
		if s != 503 || h.Get("X-Circuit-Open") != "true" {
			t.Errorf("after two failures: %d %v, want the default breaker open", s, h)
		}
	})

	t.Run("tls", func(t *testing.T) {
		dir := t.TempDir()
		serverCert, serverKey := e2eCert(t, dir, "skiff")
		clientCert, clientKey := e2eCert(t, dir, "skiff-client")
		backend := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			names := []string{}
			for _, c := range r.TLS.PeerCertificates {
				names = append(names, c.Subject.CommonName)
			}
			fmt.Fprintf(w, "client=%s", strings.Join(names, ","))
		}))
		backend.TLS = &tls.Config{ClientAuth: tls.RequireAnyClientCert}
		backend.StartTLS()
		defer backend.Close()
		addr := skipperServe(t, "-inline-routes", `r: * -> "`+backend.URL+`";`, "-insecure",
			"-tls-cert", serverCert, "-tls-key", serverKey, "-tls-min-version", "1.3",
			"-client-tls-cert", clientCert, "-client-tls-key", clientKey)

		tls13 := &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{InsecureSkipVerify: true}, DisableKeepAlives: true}}
		if _, _, body := get(t, tls13, "https://"+addr+"/"); body != "client=skiff-client" {
			t.Errorf("the backend saw %q, want skiff's client certificate", body)
		}
		tls12 := &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{InsecureSkipVerify: true, MaxVersion: tls.VersionTLS12}, DisableKeepAlives: true}}
		if _, err := tls12.Get("https://" + addr + "/"); err == nil {
			t.Error("a TLS 1.2 client was served with -tls-min-version 1.3")
		}
	})

	t.Run("routes-urls", func(t *testing.T) {
		b := echoBackend(t)
		doc := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			fmt.Fprintf(w, `remote: Path("/remote") -> "%s";`, b.URL)
		}))
		defer doc.Close()
		addr := skipperServe(t, "-routes-urls", doc.URL+"/routes.eskip", "-source-poll-timeout", "100")
		if s, _, body := get(t, plain, "http://"+addr+"/remote"); s != 200 || !strings.HasPrefix(body, "xff=") {
			t.Errorf("route from the URL: %d %q", s, body)
		}
	})
}

func e2eCert(t *testing.T, dir, cn string) (string, string) {
	t.Helper()
	key, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(time.Now().UnixNano()), Subject: pkix.Name{CommonName: cn},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		IPAddresses: []net.IP{net.IPv4(127, 0, 0, 1)}, KeyUsage: x509.KeyUsageDigitalSignature,
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth, x509.ExtKeyUsageClientAuth},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	kb, _ := x509.MarshalECPrivateKey(key)
	c, k := filepath.Join(dir, cn+".crt"), filepath.Join(dir, cn+".key")
	os.WriteFile(c, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o600)
	os.WriteFile(k, pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: kb}), 0o600)
	return c, k
}
