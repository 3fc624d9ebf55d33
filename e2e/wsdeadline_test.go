package e2e

import (
	"bufio"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/skiff-proxy/skiff"
)

func TestWebSocketOutlivesReadTimeout(t *testing.T) {
	ws := newBackend(t, "ws", echoUpgrade)
	in := start(t, routes(fmt.Sprintf(`ws: Path("/ws") -> %q;`, ws.URL)), skiff.Options{ReadTimeoutServer: 300 * time.Millisecond})
	conn, err := net.Dial("tcp", strings.TrimPrefix(in.url, "http://"))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	fmt.Fprintf(conn, "GET /ws HTTP/1.1\r\nHost: example.org\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n")
	br := bufio.NewReader(conn)
	rsp, err := http.ReadResponse(br, nil)
	if err != nil || rsp.StatusCode != 101 {
		t.Fatalf("handshake: %v", err)
	}
	time.Sleep(600 * time.Millisecond)
	io.WriteString(conn, "late")
	conn.SetDeadline(time.Now().Add(2 * time.Second))
	got := make([]byte, 4)
	if _, err := io.ReadFull(br, got); err != nil || string(got) != "late" {
		t.Errorf("echo after the read timeout: %q %v", got, err)
	}
}
