package main

// Probe 6: slow uploaders. Each client sends POST headers with
// Content-Length: 1000 and 5 body bytes, then nothing; how many backend
// connections does skiff hold for them? Then one stalled upload: what does
// its client get, and when?

import (
	"bufio"
	"fmt"
	"io"
	"net"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

func runUploads(h *harness) []result {
	be, err := h.newRawBackend(func(c net.Conn) {
		io.Copy(io.Discard, c) // read whatever comes, never answer
	})
	if err != nil {
		return startFailed("uploads", err)
	}
	p, err := h.startSkiff("uploads", fmt.Sprintf("all: * -> %q;", be.URL()),
		flagVal{"read-timeout-server", "5s"}, flagVal{"read-idle-timeout-server", "2s"})
	if err != nil {
		return startFailed("uploads", err)
	}
	out := []result{flagsResult("uploads", p)}
	out = append(out, slowUploaders(h, p, be))
	out = append(out, stalledUpload(p))
	return out
}

func slowUploaders(h *harness, p *skiffProc, be *rawBackend) result {
	n := h.s.uploaders
	const settle = 1500 * time.Millisecond
	var mu sync.Mutex
	conns := make([]net.Conn, 0, n)
	var writeFails atomic.Int64
	t0 := time.Now()
	dialFails := dialMany(p.addr, n, 128, func(i int, c net.Conn) {
		mu.Lock()
		conns = append(conns, c)
		mu.Unlock()
		c.SetWriteDeadline(time.Now().Add(5 * time.Second))
		if _, err := fmt.Fprintf(c, "POST /upload/%d HTTP/1.1\r\nHost: uploads\r\nContent-Type: application/octet-stream\r\nContent-Length: 1000\r\n\r\nhello", i); err != nil {
			writeFails.Add(1)
		}
	})
	sent := time.Since(t0)
	time.Sleep(settle)
	held := be.open()
	accepted := be.accepts.Load()
	for _, c := range conns {
		c.Close()
	}
	// Are they let go once the clients are gone?
	t1 := time.Now()
	for be.open() > 0 && time.Since(t1) < 3*time.Second {
		time.Sleep(50 * time.Millisecond)
	}
	released := fmt.Sprintf("%d still open %s after the clients closed", be.open(), secs(time.Since(t1)))
	if be.open() == 0 && held > 0 {
		released = fmt.Sprintf("all released %s after the clients closed", secs(time.Since(t1)))
	}
	return result{
		Name: "uploads.slow-uploaders",
		Measured: fmt.Sprintf("%d clients send POST headers (Content-Length: 1000) + 5 body bytes, then stall; backend connections open %s after the last was sent",
			n, secs(settle)),
		Figure: fmt.Sprintf("%d backend connections held (%d accepted); %s; clients connected in %s, %d dial and %d write failures",
			held, accepted, released, secs(sent), dialFails, writeFails.Load()),
		Nginx: "0: request bodies are buffered before the upstream is contacted (proxy_request_buffering on, nginx docs)",
	}
}

func stalledUpload(p *skiffProc) result {
	const limit = 20 * time.Second
	t0 := time.Now()
	c, err := net.DialTimeout("tcp", p.addr, 5*time.Second)
	if err != nil {
		return result{Name: "uploads.stalled-body", Measured: "dial", Figure: "ERROR: " + err.Error()}
	}
	defer c.Close()
	c.SetDeadline(t0.Add(limit))
	io.WriteString(c, "POST /stalled HTTP/1.1\r\nHost: uploads\r\nContent-Type: application/octet-stream\r\nContent-Length: 1000\r\n\r\n0123456789")
	br := bufio.NewReader(c)
	line, err := br.ReadString('\n')
	took := time.Since(t0)
	var fig string
	switch {
	case strings.HasPrefix(line, "HTTP/"):
		fig = fmt.Sprintf("%q after %s", strings.TrimSpace(line), secs(took))
	case isTimeout(err):
		fig = fmt.Sprintf("no answer within %s", limit)
	default:
		fig = fmt.Sprintf("connection closed without an answer after %s (%s)", secs(took), shortErr(err))
	}
	return result{
		Name:     "uploads.stalled-body",
		Measured: fmt.Sprintf("one POST, Content-Length: 1000, 10 body bytes, then nothing: status line and when (cap %s)", limit),
		Figure:   fig,
		Nginx:    "408 after client_body_timeout, 60 s default (nginx docs)",
	}
}
