package frontconn

import (
	"bufio"
	"errors"
	"io"
	"net"
	"net/http"
	"os"
	"strings"
	"testing"
	"time"
)

// TestPassthroughUpgrade switches protocols the way the proxy does after a
// 101: hijack, Passthrough, relay raw bytes. Bytes the client sent early,
// before the 101, which the guard may hold as the start of a head, must
// come out unchanged, and so must later bytes that look like refused
// heads.
func TestPassthroughUpgrade(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := &http.Server{
		ConnContext: ConnContext,
		ErrorLog:    quietLog,
		Handler: Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if r.Header.Get("Upgrade") == "" {
				_, _ = io.WriteString(w, "plain")
				return
			}
			c, brw, err := http.NewResponseController(w).Hijack()
			if err != nil {
				t.Error(err)
				return
			}
			defer c.Close()
			gc, ok := c.(*Conn)
			if !ok {
				t.Errorf("hijacked %T", c)
				return
			}
			gc.Passthrough()
			_, _ = io.WriteString(c, "HTTP/1.1 101 Switching Protocols\r\nUpgrade: echo\r\nConnection: Upgrade\r\n\r\n")
			_, _ = io.Copy(c, brw.Reader) // echo until the client's EOF
			_ = gc.CloseWrite()
		})),
	}
	done := make(chan struct{})
	go func() {
		defer close(done)
		_ = srv.Serve(NewListener(ln, Config{}))
	}()
	defer func() {
		_ = srv.Close()
		<-done
	}()

	c, err := net.Dial("tcp", ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	_ = c.SetDeadline(time.Now().Add(10 * time.Second))
	early := "POST / HTTP/1.1\r\nContent-Length: 1\r\nTransfer-Encoding: chunked\r\n X: folded\r\n"
	late := "\r\n0\r\n\r\nGET /SMUGGLED HTTP/1.1\r\n\r\n" + strings.Repeat("\x00\xff", 5000)
	if _, err := io.WriteString(c, "GET /ws HTTP/1.1\r\n"+host+"Upgrade: echo\r\nConnection: Upgrade\r\n\r\n"+early); err != nil {
		t.Fatal(err)
	}
	br := bufio.NewReader(c)
	rsp, err := http.ReadResponse(br, nil)
	if err != nil || rsp.StatusCode != 101 {
		t.Fatalf("%v %v", rsp, err)
	}
	go func() {
		_, _ = io.WriteString(c, late)
		_ = c.(*net.TCPConn).CloseWrite()
	}()
	got, err := io.ReadAll(br)
	if err != nil {
		t.Fatal(err)
	}
	if string(got) != early+late {
		t.Fatalf("relayed %d bytes %q..., sent %d", len(got), got[:min(len(got), 80)], len(early+late))
	}
}

// TestPassthroughAfterRefusal: once net/http may hold part of a synthetic
// head, the stream cannot be handed on whole, so Read fails.
func TestPassthroughAfterRefusal(t *testing.T) {
	s := newSettings(Config{})
	gc := newConn(&memConn{data: []byte("GET / HTTP/1.1\r\nX: a\r\n b\r\n\r\nrest")}, s, nil)
	p := make([]byte, 1)
	if n, err := gc.Read(p); n != 1 || err != nil || p[0] != 'G' || gc.status.Load() != 400 {
		t.Fatalf("%d %v %q status %d", n, err, p, gc.status.Load())
	}
	gc.Passthrough()
	if _, err := gc.Read(make([]byte, 100)); !errors.Is(err, errPassRefused) {
		t.Fatalf("Read after Passthrough: %v", err)
	}
}

// TestReadHeaderTimeout: net/http's deadline bounds the guard's reads of
// a head it holds.
func TestReadHeaderTimeout(t *testing.T) {
	for _, tc := range []struct {
		name string
		cfg  Config
		keep bool // the stalled head is the second request
	}{
		{"first request, ReadHeaderTimeout", Config{}, false},
		{"keep-alive request, HeadTimeout", Config{HeadTimeout: time.Second}, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ln, err := net.Listen("tcp", "127.0.0.1:0")
			if err != nil {
				t.Fatal(err)
			}
			rec := &recorder{}
			srv := &http.Server{
				Handler:           Handler(rec),
				ConnContext:       ConnContext,
				ErrorLog:          quietLog,
				ReadHeaderTimeout: time.Second,
				IdleTimeout:       time.Minute,
			}
			done := make(chan struct{})
			go func() {
				defer close(done)
				_ = srv.Serve(NewListener(ln, tc.cfg))
			}()
			defer func() {
				_ = srv.Close()
				<-done
			}()
			c, err := net.Dial("tcp", ln.Addr().String())
			if err != nil {
				t.Fatal(err)
			}
			defer c.Close()
			_ = c.SetDeadline(time.Now().Add(5 * time.Second))
			br := bufio.NewReader(c)
			if tc.keep {
				// A head that trickles in within the timeout is fine.
				for _, part := range []string{"GET /1 HTTP/1.1\r\n", host, "\r\n"} {
					_, _ = io.WriteString(c, part)
					time.Sleep(50 * time.Millisecond)
				}
				rsp, err := http.ReadResponse(br, nil)
				if err != nil {
					t.Fatal(err)
				}
				_ = rsp.Body.Close()
			}
			_, _ = io.WriteString(c, "GET /2 HTTP/1.1\r\n")
			start := time.Now()
			_, err = br.ReadByte()
			if err == nil || errors.Is(err, os.ErrDeadlineExceeded) {
				t.Fatalf("stalled head: %v", err)
			}
			if d := time.Since(start); d > 4*time.Second {
				t.Fatalf("closed after %v", d)
			}
			if got := rec.short(); len(got) != map[bool]int{false: 0, true: 1}[tc.keep] {
				t.Fatalf("handler saw %q", got)
			}
		})
	}
}
