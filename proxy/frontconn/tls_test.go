package frontconn

import (
	"bufio"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"io"
	"math/big"
	"net"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"
)

func testCert(t *testing.T) (tls.Certificate, *x509.CertPool) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1),
		Subject:      pkix.Name{CommonName: "frontconn test"},
		NotBefore:    time.Now().Add(-time.Hour),
		NotAfter:     time.Now().Add(time.Hour),
		IPAddresses:  []net.IP{net.IPv4(127, 0, 0, 1)},
		KeyUsage:     x509.KeyUsageDigitalSignature,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	leaf, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	pool := x509.NewCertPool()
	pool.AddCert(leaf)
	return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key, Leaf: leaf}, pool
}

type tlsSeen struct {
	proto int
	tls   bool
	uri   string
}

func TestTLS(t *testing.T) {
	cert, pool := testCert(t)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	var got []tlsSeen
	srv := &http.Server{
		TLSConfig: &tls.Config{
			Certificates: []tls.Certificate{cert},
			NextProtos:   []string{"h2", "http/1.1"},
		},
		ConnContext: ConnContext,
		ErrorLog:    quietLog,
		Handler: Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			_, _ = io.Copy(io.Discard, r.Body)
			mu.Lock()
			got = append(got, tlsSeen{r.ProtoMajor, r.TLS != nil && r.TLS.HandshakeComplete, r.RequestURI})
			mu.Unlock()
			_, _ = io.WriteString(w, "ok")
		})),
	}
	gl := NewTLSListener(ln, srv.TLSConfig, 300*time.Millisecond, Config{})
	done := make(chan struct{})
	go func() {
		defer close(done)
		_ = srv.Serve(gl)
	}()
	defer func() {
		_ = srv.Close()
		<-done
	}()
	url := "https://" + ln.Addr().String()
	last := func() tlsSeen {
		mu.Lock()
		defer mu.Unlock()
		if len(got) == 0 {
			return tlsSeen{}
		}
		return got[len(got)-1]
	}

	t.Run("HTTP/2", func(t *testing.T) {
		tr := &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool}, ForceAttemptHTTP2: true}
		defer tr.CloseIdleConnections()
		rsp, err := (&http.Client{Transport: tr}).Post(url+"/h2", "text/plain", strings.NewReader("body"))
		if err != nil {
			t.Fatal(err)
		}
		_ = rsp.Body.Close()
		if rsp.ProtoMajor != 2 || last() != (tlsSeen{2, true, "/h2"}) {
			t.Fatalf("response %s, handler saw %+v", rsp.Proto, last())
		}
	})

	t.Run("HTTP/1.1", func(t *testing.T) {
		tr := &http.Transport{
			TLSClientConfig: &tls.Config{RootCAs: pool},
			TLSNextProto:    map[string]func(string, *tls.Conn) http.RoundTripper{},
		}
		defer tr.CloseIdleConnections()
		rsp, err := (&http.Client{Transport: tr}).Post(url+"/h1", "text/plain", strings.NewReader("body"))
		if err != nil {
			t.Fatal(err)
		}
		_ = rsp.Body.Close()
		if rsp.ProtoMajor != 1 || last() != (tlsSeen{1, true, "/h1"}) {
			t.Fatalf("response %s, handler saw %+v", rsp.Proto, last())
		}
	})

	t.Run("smuggling over TLS", func(t *testing.T) {
		for _, p := range probes {
			if !p.guard || len(p.raw) > 64<<10 || p.statuses[0] != 400 || len(p.statuses) != 1 {
				continue
			}
			c, err := tls.Dial("tcp", ln.Addr().String(), &tls.Config{RootCAs: pool, NextProtos: []string{"http/1.1"}})
			if err != nil {
				t.Fatal(err)
			}
			_ = c.SetDeadline(time.Now().Add(5 * time.Second))
			if _, err := io.WriteString(c, p.raw); err != nil {
				t.Fatal(err)
			}
			br := bufio.NewReader(c)
			rsp, err := http.ReadResponse(br, nil)
			if err != nil {
				t.Fatalf("%s: %v", p.name, err)
			}
			_, _ = io.Copy(io.Discard, rsp.Body)
			if rsp.StatusCode != 400 || rsp.Header.Get("X-Content-Type-Options") != "nosniff" || !rsp.Close {
				t.Errorf("%s: %d %v", p.name, rsp.StatusCode, rsp.Header)
			}
			if _, err := br.ReadByte(); err == nil {
				t.Errorf("%s: connection not closed", p.name)
			}
			_ = c.Close()
		}
		mu.Lock()
		defer mu.Unlock()
		for _, s := range got {
			if s.uri != "/h1" && s.uri != "/h2" {
				t.Errorf("handler saw %+v", s)
			}
		}
	})

	t.Run("plain HTTP to the TLS port", func(t *testing.T) {
		c, err := net.Dial("tcp", ln.Addr().String())
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		_ = c.SetDeadline(time.Now().Add(5 * time.Second))
		_, _ = io.WriteString(c, "GET / HTTP/1.1\r\n"+host+"\r\n")
		rsp, err := http.ReadResponse(bufio.NewReader(c), nil)
		if err != nil || rsp.StatusCode != 400 {
			t.Fatalf("%v %v", rsp, err)
		}
	})

	t.Run("handshake timeout", func(t *testing.T) {
		c, err := net.Dial("tcp", ln.Addr().String())
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		_ = c.SetDeadline(time.Now().Add(5 * time.Second))
		start := time.Now()
		if _, err := c.Read(make([]byte, 1)); err == nil {
			t.Fatal("silent client got bytes")
		}
		if d := time.Since(start); d > 3*time.Second {
			t.Fatalf("closed after %v", d)
		}
	})
}

// TestTLSListenerClose checks that Close ends handshakes in progress and
// connections nobody accepted.
func TestTLSListenerClose(t *testing.T) {
	cert, _ := testCert(t)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	gl := NewTLSListener(ln, &tls.Config{Certificates: []tls.Certificate{cert}}, time.Minute, Config{})
	accepted := make(chan error, 1)
	go func() {
		c, err := gl.Accept()
		if c != nil {
			_ = c.Close()
		}
		accepted <- err
	}()
	var cs []net.Conn
	for range 5 {
		c, err := net.Dial("tcp", ln.Addr().String())
		if err != nil {
			t.Fatal(err)
		}
		cs = append(cs, c) // silent: their handshakes wait
	}
	time.Sleep(50 * time.Millisecond)
	start := time.Now()
	if err := gl.Close(); err != nil {
		t.Fatal(err)
	}
	if d := time.Since(start); d > 2*time.Second {
		t.Fatalf("Close took %v", d)
	}
	if err := <-accepted; err == nil {
		t.Fatal("Accept after Close succeeded")
	}
	for _, c := range cs {
		_ = c.SetReadDeadline(time.Now().Add(2 * time.Second))
		if _, err := c.Read(make([]byte, 1)); err == nil {
			t.Error("connection open after Close")
		}
		_ = c.Close()
	}
}
