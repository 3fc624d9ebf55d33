package frontconn

import (
	"io"
	"net"
	"testing"
)

// Bytes put back by Unread come out first, followed by the held bytes
// and then the rest of the connection, whatever the framing state.
func TestUnread(t *testing.T) {
	for _, tc := range []struct {
		name   string
		stream string
		first  int // bytes read before the Unread of the last of them
		back   int
	}{
		{"head and next head", "GET /1 HTTP/1.1\r\nHost: a\r\n\r\nGET /2 HTTP/1.1\r\nHost: a\r\n\r\n", 54, 27},
		{"body", "POST /1 HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\n\r\nhelloGET /2 HTTP/1.1\r\nHost: a\r\n\r\n", 53, 10},
		{"all of it", "GET /1 HTTP/1.1\r\nHost: a\r\n\r\n", 27, 27},
	} {
		t.Run(tc.name, func(t *testing.T) {
			client, server := net.Pipe()
			defer client.Close()
			c := newConn(server, newSettings(Config{ParkIdleAfter: -1}), nil)
			defer c.Close()
			go func() { _, _ = io.WriteString(client, tc.stream); _ = client.Close() }()

			got := make([]byte, 0, len(tc.stream))
			buf := make([]byte, 4096)
			for len(got) < tc.first {
				n, err := c.Read(buf[:min(len(buf), tc.first-len(got))])
				if err != nil {
					t.Fatalf("read after %d bytes: %v", len(got), err)
				}
				got = append(got, buf[:n]...)
			}
			c.Unread(got[len(got)-tc.back:])
			got = got[:len(got)-tc.back]
			rest, err := io.ReadAll(c)
			if err != nil {
				t.Fatal(err)
			}
			if s := string(got) + string(rest); s != tc.stream {
				t.Fatalf("stream read as\n%q\nwant\n%q", s, tc.stream)
			}
		})
	}
}

// Unread ahead of bytes the guard still holds keeps those behind.
func TestUnreadBeforeHeld(t *testing.T) {
	client, server := net.Pipe()
	defer client.Close()
	c := newConn(server, newSettings(Config{ParkIdleAfter: -1}), nil)
	defer c.Close()
	stream := "GET /1 HTTP/1.1\r\nHost: a\r\n\r\nGET /2 HTTP/1.1\r\nHost: a\r\n\r\n"
	go func() { _, _ = io.WriteString(client, stream); _ = client.Close() }()
	// A one-byte read makes the guard read ahead into its own buffer.
	one := make([]byte, 1)
	if _, err := c.Read(one); err != nil {
		t.Fatal(err)
	}
	c.Unread(one)
	rest, err := io.ReadAll(c)
	if err != nil {
		t.Fatal(err)
	}
	if string(rest) != stream {
		t.Fatalf("read %q", rest)
	}
}
