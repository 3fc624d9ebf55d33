package e2e

import (
	"bufio"
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
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/skiff-proxy/skiff"
)

func TestStreaming(t *testing.T) {
	next := make(chan struct{})
	stream := newBackend(t, "stream", func(w http.ResponseWriter, r *http.Request) {
		for i := 0; i < 3; i++ {
			fmt.Fprintf(w, "chunk %d\n", i)
			w.(http.Flusher).Flush()
			select {
			case <-next:
			case <-r.Context().Done():
				return
			}
		}
	})
	in := start(t, routes(fmt.Sprintf(`s: * -> %q;`, stream.URL)), skiff.Options{})
	rsp, err := in.client.Get(in.url + "/stream")
	if err != nil {
		t.Fatal(err)
	}
	defer rsp.Body.Close()
	br := bufio.NewReader(rsp.Body)
	// Each chunk must arrive while the backend is still waiting to send
	// the next one: nothing is buffered until the end.
	for i := 0; i < 3; i++ {
		line, err := br.ReadString('\n')
		if err != nil {
			t.Fatalf("chunk %d: %v", i, err)
		}
		if want := fmt.Sprintf("chunk %d\n", i); line != want {
			t.Errorf("got %q, want %q", line, want)
		}
		next <- struct{}{}
	}
	if rest, _ := io.ReadAll(br); len(rest) != 0 {
		t.Errorf("unexpected trailing data %q", rest)
	}
}

// echoUpgrade answers an Upgrade: websocket request with 101 and then
// echoes every byte, like a WebSocket echo server at the TCP level.
func echoUpgrade(w http.ResponseWriter, r *http.Request) {
	if !strings.EqualFold(r.Header.Get("Upgrade"), "websocket") {
		http.Error(w, "upgrade required", http.StatusUpgradeRequired)
		return
	}
	conn, rw, err := w.(http.Hijacker).Hijack()
	if err != nil {
		return
	}
	defer conn.Close()
	rw.WriteString("HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n" +
		"Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n\r\n")
	rw.Flush()
	io.Copy(conn, rw)
}

func TestWebSocketEcho(t *testing.T) {
	ws := newBackend(t, "ws", echoUpgrade)
	in := start(t, routes(fmt.Sprintf(`ws: Path("/ws") -> %q;`, ws.URL)), skiff.Options{})
	conn, err := net.Dial("tcp", strings.TrimPrefix(in.url, "http://"))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	conn.SetDeadline(time.Now().Add(10 * time.Second))
	fmt.Fprintf(conn, "GET /ws HTTP/1.1\r\nHost: example.org\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"+
		"Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n")
	br := bufio.NewReader(conn)
	rsp, err := http.ReadResponse(br, nil)
	if err != nil {
		t.Fatal(err)
	}
	if rsp.StatusCode != 101 || !strings.EqualFold(rsp.Header.Get("Upgrade"), "websocket") {
		t.Fatalf("handshake: %d %v", rsp.StatusCode, rsp.Header)
	}
	for _, msg := range []string{"hello", "through skiff", strings.Repeat("x", 64<<10)} {
		if _, err := io.WriteString(conn, msg); err != nil {
			t.Fatal(err)
		}
		got := make([]byte, len(msg))
		if _, err := io.ReadFull(br, got); err != nil {
			t.Fatalf("echo of %d bytes: %v", len(msg), err)
		}
		if string(got) != msg {
			t.Errorf("echo mismatch for %d bytes", len(msg))
		}
	}
}

// selfSigned writes a certificate for 127.0.0.1 and its key to dir.
func selfSigned(t *testing.T, dir string) (certFile, keyFile string, pool *x509.CertPool) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1),
		Subject:      pkix.Name{CommonName: "skiff test"},
		NotBefore:    time.Now().Add(-time.Hour),
		NotAfter:     time.Now().Add(time.Hour),
		IPAddresses:  []net.IP{net.ParseIP("127.0.0.1")},
		KeyUsage:     x509.KeyUsageDigitalSignature,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	kder, err := x509.MarshalECPrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	certFile, keyFile = filepath.Join(dir, "cert.pem"), filepath.Join(dir, "key.pem")
	os.WriteFile(certFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o600)
	os.WriteFile(keyFile, pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: kder}), 0o600)
	cert, _ := x509.ParseCertificate(der)
	pool = x509.NewCertPool()
	pool.AddCert(cert)
	return certFile, keyFile, pool
}

func TestHTTP2OverTLS(t *testing.T) {
	a := newBackend(t, "a", nil)
	certFile, keyFile, pool := selfSigned(t, t.TempDir())
	in := start(t, routes(fmt.Sprintf(`r: * -> %q;`, a.URL)), skiff.Options{TLSCert: certFile, TLSKey: keyFile})
	in.client.Transport = &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool}, ForceAttemptHTTP2: true}
	r := in.get(t, "/h2")
	if r.status != 200 || r.proto != "HTTP/2.0" || r.body != "from a\n" {
		t.Errorf("got %d over %s: %q", r.status, r.proto, r.body)
	}
	in.client.CloseIdleConnections()
}

func TestH2C(t *testing.T) {
	a := newBackend(t, "a", nil)
	in := start(t, routes(fmt.Sprintf(`r: * -> %q;`, a.URL)), skiff.Options{EnableH2C: true})
	tr := &http.Transport{Protocols: new(http.Protocols)}
	tr.Protocols.SetUnencryptedHTTP2(true)
	in.client.Transport = tr
	r := in.get(t, "/h2c")
	if r.status != 200 || r.proto != "HTTP/2.0" || r.body != "from a\n" {
		t.Errorf("got %d over %s: %q", r.status, r.proto, r.body)
	}
	in.client.CloseIdleConnections()
	// HTTP/1.1 still works on the same listener.
	in.client.Transport = &http.Transport{}
	if r := in.get(t, "/h1"); r.status != 200 || r.proto != "HTTP/1.1" {
		t.Errorf("HTTP/1.1 on the h2c listener: %d %s", r.status, r.proto)
	}
}
