package listener

import (
	"bufio"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/pires/go-proxyproto"
)

func listen(t *testing.T) net.Listener {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	return ln
}

// header is a PROXY header saying the client is 192.0.2.7:4711.
func header(version byte) *proxyproto.Header {
	return &proxyproto.Header{
		Version:           version,
		Command:           proxyproto.PROXY,
		TransportProtocol: proxyproto.TCPv4,
		SourceAddr:        &net.TCPAddr{IP: net.ParseIP("192.0.2.7"), Port: 4711},
		DestinationAddr:   &net.TCPAddr{IP: net.ParseIP("198.51.100.1"), Port: 443},
	}
}

// serveOne serves one HTTP request on ln answering the request's
// RemoteAddr, and returns what a client sending prefix and then a GET
// reads.
func exchange(t *testing.T, ln net.Listener, prefix []byte) string {
	t.Helper()
	srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, r.RemoteAddr)
	}), ReadHeaderTimeout: 5 * time.Second}
	done := make(chan struct{})
	go func() { defer close(done); srv.Serve(ln) }()
	defer func() { srv.Close(); <-done }()

	c, err := net.Dial("tcp", ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(5 * time.Second))
	c.Write(prefix)
	io.WriteString(c, "GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
	resp, err := http.ReadResponse(bufio.NewReader(c), nil)
	if err != nil {
		return "error: " + err.Error()
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.Status + " " + string(b)
}

func TestProxyProtocol(t *testing.T) {
	v1, _ := header(1).Format()
	v2, _ := header(2).Format()
	for _, tc := range []struct {
		name    string
		o       ProxyOptions
		prefix  []byte
		want    string // prefix of the answer; "error" when the connection is closed
		wantNot string
	}{
		{"v1 from an allowed peer", ProxyOptions{Allow: []string{"127.0.0.0/8"}}, v1, "200 OK 192.0.2.7:4711", ""},
		{"v2 from an allowed peer", ProxyOptions{Allow: []string{"127.0.0.1"}}, v2, "200 OK 192.0.2.7:4711", ""},
		{"an allowed peer without a header", ProxyOptions{Allow: []string{"127.0.0.0/8"}}, nil, "200 OK 127.0.0.1:", ""},
		{"a header from a peer not allowed", ProxyOptions{Allow: []string{"10.0.0.0/8"}}, v1, "error", ""},
		{"no lists: a header is refused", ProxyOptions{}, v2, "error", ""},
		{"no lists: plain connections work", ProxyOptions{}, nil, "200 OK 127.0.0.1:", ""},
		{"deny wins over allow", ProxyOptions{Allow: []string{"127.0.0.0/8"}, Deny: []string{"127.0.0.1/32"}}, v1, "error", ""},
		{"skip leaves the connection alone", ProxyOptions{Allow: []string{"127.0.0.0/8"}, Skip: []string{"127.0.0.1"}}, nil, "200 OK 127.0.0.1:", ""},
		// A header from a skipped peer is read as HTTP: a bad request.
		{"skip does not read a header", ProxyOptions{Skip: []string{"127.0.0.1"}}, v1, "400 Bad Request", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ln, err := ProxyProtocol(listen(t), tc.o)
			if err != nil {
				t.Fatal(err)
			}
			got := exchange(t, ln, tc.prefix)
			if !strings.HasPrefix(got, tc.want) {
				t.Errorf("got %q, want %q...", got, tc.want)
			}
		})
	}
}

func TestProxyProtocolCloseWrite(t *testing.T) {
	ln, err := ProxyProtocol(listen(t), ProxyOptions{Allow: []string{"127.0.0.1"}})
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	c, err := net.Dial("tcp", ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	sc, err := ln.Accept()
	if err != nil {
		t.Fatal(err)
	}
	defer sc.Close()
	cw, ok := sc.(interface{ CloseWrite() error })
	if !ok {
		t.Fatalf("%T has no CloseWrite", sc)
	}
	if err := cw.CloseWrite(); err != nil {
		t.Fatal(err)
	}
	c.SetReadDeadline(time.Now().Add(5 * time.Second))
	if n, err := c.Read(make([]byte, 1)); n != 0 || err != io.EOF {
		t.Errorf("client read %d, %v after CloseWrite; want EOF", n, err)
	}
}

func TestParsePrefixes(t *testing.T) {
	ps, err := ParsePrefixes([]string{"10.0.0.0/8, 192.0.2.1", "::/0", "::ffff:10.1.0.0/112"})
	if err != nil {
		t.Fatal(err)
	}
	got := make([]string, len(ps))
	for i, p := range ps {
		got[i] = p.String()
	}
	if want := "10.0.0.0/8 192.0.2.1/32 ::/0 10.1.0.0/16"; strings.Join(got, " ") != want {
		t.Errorf("got %v, want %s", got, want)
	}
	for _, bad := range []string{"10.0.0.0/33", "example.org", "10.0.0/8"} {
		if _, err := ParsePrefixes([]string{bad}); err == nil || !strings.Contains(err.Error(), bad) {
			t.Errorf("%q: error %v", bad, err)
		}
	}
	if _, err := ProxyProtocol(nil, ProxyOptions{Skip: []string{"nope"}}); err == nil {
		t.Error("a bad CIDR was accepted")
	}
}
