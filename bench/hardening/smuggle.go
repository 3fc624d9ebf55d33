package main

// Probe 2, smuggling: requests whose framing is ambiguous, sent as raw
// bytes on one connection. A hardened proxy answers 400 and closes; a
// lenient one forwards, and what the backend then sees depends on which
// framing each side believed.

import (
	"bufio"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"sync"
	"time"
)

type smuggleBackend struct {
	*rawBackend
	mu   sync.Mutex
	seen []string
}

func (s *smuggleBackend) reset() {
	s.mu.Lock()
	s.seen = nil
	s.mu.Unlock()
}

func (s *smuggleBackend) snapshot() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]string(nil), s.seen...)
}

func (h *harness) newSmuggleBackend() (*smuggleBackend, error) {
	s := &smuggleBackend{}
	b, err := h.newRawBackend(func(c net.Conn) {
		br := bufio.NewReader(c)
		for {
			hd, err := readHead(br, 1<<20)
			if err != nil {
				return
			}
			chunked, n := hd.framing()
			desc := strings.Join(strings.Fields(hd.line)[:min(2, len(strings.Fields(hd.line)))], " ")
			switch {
			case chunked:
				desc += " [chunked"
			case n > 0:
				desc += fmt.Sprintf(" [CL %d", n)
			default:
				desc += " [no body"
			}
			if _, ok := hd.get("Content-Length"); ok && chunked {
				desc += " + CL" // both framings forwarded
			}
			c.SetReadDeadline(time.Now().Add(3 * time.Second))
			bn, err := drainBody(br, hd)
			c.SetReadDeadline(time.Time{})
			if chunked || n > 0 {
				desc += fmt.Sprintf(", %d body bytes", bn)
			}
			desc += "]"
			if err != nil {
				desc += " (body: " + shortErr(err) + ")"
			}
			s.mu.Lock()
			s.seen = append(s.seen, desc)
			s.mu.Unlock()
			if err != nil {
				return
			}
			if writeResponse(c, 200, hd.target()) != nil {
				return
			}
		}
	})
	s.rawBackend = b
	return s, err
}

type smuggleCase struct {
	name, measured string
	raw            string
}

func smuggleCases() []smuggleCase {
	// The chunked body ends at once; with Content-Length the rest is body,
	// with chunked it is a second request.
	tail := "0\r\n\r\nGET /SMUGGLED HTTP/1.1\r\nHost: x\r\n\r\n"
	cl := len(tail)
	return []smuggleCase{
		{"smuggle.cl-te", fmt.Sprintf("POST / HTTP/1.1, Content-Length: %d then Transfer-Encoding: chunked, then GET /SMUGGLED", cl),
			fmt.Sprintf("POST / HTTP/1.1\r\nHost: smuggle\r\nContent-Length: %d\r\nTransfer-Encoding: chunked\r\n\r\n", cl) + tail},
		{"smuggle.te-cl", fmt.Sprintf("the same, Transfer-Encoding first, Content-Length: %d second", cl),
			fmt.Sprintf("POST / HTTP/1.1\r\nHost: smuggle\r\nTransfer-Encoding: chunked\r\nContent-Length: %d\r\n\r\n", cl) + tail},
		{"smuggle.obs-fold", fmt.Sprintf("Content-Length: %d; 'X-Fold: a' continued by the obs-fold line ' Transfer-Encoding: chunked'", cl),
			fmt.Sprintf("POST / HTTP/1.1\r\nHost: smuggle\r\nContent-Length: %d\r\nX-Fold: a\r\n Transfer-Encoding: chunked\r\n\r\n", cl) + tail},
		{"smuggle.obs-fold-value", fmt.Sprintf("Content-Length: %d; 'Transfer-Encoding:' with 'chunked' on an obs-fold line", cl),
			fmt.Sprintf("POST / HTTP/1.1\r\nHost: smuggle\r\nContent-Length: %d\r\nTransfer-Encoding:\r\n chunked\r\n\r\n", cl) + tail},
		{"smuggle.http10", fmt.Sprintf("POST / HTTP/1.0, Connection: keep-alive, Transfer-Encoding: chunked, Content-Length: %d", cl),
			fmt.Sprintf("POST / HTTP/1.0\r\nHost: smuggle\r\nConnection: keep-alive\r\nTransfer-Encoding: chunked\r\nContent-Length: %d\r\n\r\n", cl) + tail},
	}
}

// sendRaw writes raw on a new connection and reads every response until
// the connection closes or stays quiet for quiet.
func sendRaw(addr, raw string, quiet time.Duration) (statuses []string, state string) {
	c, err := net.DialTimeout("tcp", addr, 5*time.Second)
	if err != nil {
		return nil, "dial failed: " + shortErr(err)
	}
	defer c.Close()
	c.SetWriteDeadline(time.Now().Add(5 * time.Second))
	if _, err := io.WriteString(c, raw); err != nil {
		return nil, "write failed: " + shortErr(err)
	}
	br := bufio.NewReader(c)
	for i := 0; i < 5; i++ {
		c.SetReadDeadline(time.Now().Add(quiet))
		// Peek first: ReadResponse reports a clean close as unexpected EOF.
		if _, err := br.Peek(1); err != nil {
			switch {
			case isTimeout(err):
				return statuses, fmt.Sprintf("connection open (quiet for %s)", quiet)
			case err == io.EOF || isReset(err):
				return statuses, "connection closed by the proxy"
			default:
				return statuses, "read error: " + shortErr(err)
			}
		}
		rsp, err := http.ReadResponse(br, nil)
		if err != nil {
			return statuses, "unreadable answer: " + shortErr(err)
		}
		body, err := io.ReadAll(io.LimitReader(rsp.Body, 256))
		rsp.Body.Close()
		s := fmt.Sprint(rsp.StatusCode)
		if strings.Contains(string(body), "SMUGGLED") {
			s += "(body /SMUGGLED)"
		}
		if rsp.Close { // ReadResponse takes "Connection: close" out of the header
			s += "(Connection: close)"
		}
		if err != nil {
			s += "(body " + shortErr(err) + ")"
		}
		statuses = append(statuses, s)
	}
	return statuses, "connection open (5 responses read)"
}

func runSmuggle(h *harness) []result {
	be, err := h.newSmuggleBackend()
	if err != nil {
		return startFailed("smuggle", err)
	}
	p, err := h.startSkiff("smuggle", fmt.Sprintf("all: * -> %q;", be.URL()))
	if err != nil {
		return startFailed("smuggle", err)
	}
	out := []result{flagsResult("smuggle", p)}
	for _, sc := range smuggleCases() {
		be.reset()
		statuses, state := sendRaw(p.addr, sc.raw, 1500*time.Millisecond)
		time.Sleep(200 * time.Millisecond)
		seen := be.snapshot()
		saw := "did not see /SMUGGLED"
		for _, s := range seen {
			if strings.Contains(s, "SMUGGLED") {
				saw = "SAW /SMUGGLED"
			}
		}
		st := "none"
		if len(statuses) > 0 {
			st = strings.Join(statuses, " ")
		}
		bs := "none"
		if len(seen) > 0 {
			bs = strings.Join(seen, "; ")
		}
		out = append(out, result{
			Name:     sc.name,
			Measured: sc.measured,
			Figure: fmt.Sprintf("client got: %s; %s; backend got %d requests (%s), %s",
				st, state, len(seen), bs, saw),
			Nginx: "400, connection closed, backend 0 requests (review)",
		})
	}
	return out
}
