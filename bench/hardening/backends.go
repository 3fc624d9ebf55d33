package main

// Probes 3, 4 and 7: backends that misbehave in the response (a malformed
// header, a body that stalls) and a client that stops reading a stream.

import (
	"bufio"
	"fmt"
	"io"
	"net"
	"strings"
	"sync/atomic"
	"time"
)

// Probe 3: "Content-Length : 2" (whitespace before the colon; RFC 9112
// section 5.1: a proxy must not forward it as it is), connection kept open.
func runBadHeader(h *harness) []result {
	be, err := h.newRawBackend(func(c net.Conn) {
		br := bufio.NewReader(c)
		for {
			if _, err := readHead(br, 1<<20); err != nil {
				return
			}
			if _, err := io.WriteString(c, "HTTP/1.1 200 OK\r\nContent-Length : 2\r\n\r\nok"); err != nil {
				return
			}
		}
	})
	if err != nil {
		return startFailed("badheader", err)
	}
	p, err := h.startSkiff("badheader", fmt.Sprintf("all: * -> %q;", be.URL()))
	if err != nil {
		return startFailed("badheader", err)
	}
	limit := pick(h.s.quick, 5*time.Second, 10*time.Second)
	o := exchange(p.addr, "GET /badheader HTTP/1.1\r\nHost: badheader\r\n\r\n", limit, false)
	fig := fmt.Sprintf("status %s", o.statusText())
	if o.status != 0 {
		fig += fmt.Sprintf(" at %s, body %d bytes %q", secs(o.headAt), o.bodyBytes, o.body)
		if cl := o.header.Get("Content-Length"); cl != "" {
			fig += ", Content-Length " + cl
		}
	}
	fig += fmt.Sprintf("; response %s at %s", o.end, secs(o.endAt))
	return []result{flagsResult("badheader", p), {
		Name:     "badheader.cl-space",
		Measured: fmt.Sprintf("backend answers 'Content-Length : 2' + 'ok' and keeps the connection: status, time until the response ends (cap %s)", limit),
		Figure:   fig,
		Nginx:    "502 at once (review)",
	}}
}

// Probe 4: Content-Length: 100, 10 body bytes, then silence.
func runStall(h *harness) []result {
	be, err := h.newRawBackend(func(c net.Conn) {
		br := bufio.NewReader(c)
		if _, err := readHead(br, 1<<20); err != nil {
			return
		}
		if _, err := io.WriteString(c, "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 100\r\n\r\n0123456789"); err != nil {
			return
		}
		io.Copy(io.Discard, br) // stall until the proxy gives up
	})
	if err != nil {
		return startFailed("stall", err)
	}
	p, err := h.startSkiff("stall", fmt.Sprintf("all: * -> %q;", be.URL()),
		flagVal{"read-idle-timeout-backend", "2s"})
	if err != nil {
		return startFailed("stall", err)
	}
	limit := pick(h.s.quick, 5*time.Second, 10*time.Second)
	if h.flags["read-idle-timeout-backend"] {
		limit = 10 * time.Second
	}
	o := exchange(p.addr, "GET /stall HTTP/1.1\r\nHost: stall\r\n\r\n", limit, true)
	var fig string
	if o.status == 0 {
		fig = fmt.Sprintf("no response head, 0 of 100 body bytes; %s (at %s)", o.end, secs(o.endAt))
	} else {
		fig = fmt.Sprintf("status %d at %s, %d of 100 body bytes; response %s at %s", o.status, secs(o.headAt), o.bodyBytes, o.end, secs(o.endAt))
		if o.header.Get("Content-Length") == "" {
			fig += " (sent without Content-Length)"
		}
	}
	return []result{flagsResult("stall", p), {
		Name:     "stall.backend-body",
		Measured: fmt.Sprintf("backend sends Content-Length: 100, 10 bytes, stalls: bytes the client got, when its connection closed (cap %s)", limit),
		Figure:   fig,
		Nginx:    "closes after proxy_read_timeout, 60 s default (nginx docs)",
	}}
}

// Probe 7: the backend streams 64 KiB chunks without end; the client sends
// a GET and never reads. Is the backend's write ever failed (connection
// freed)?
func runNonReader(h *harness) []result {
	var written atomic.Int64
	var failedAt atomic.Int64 // ns since start, 0: not failed
	var lastProgress atomic.Int64
	var failErr atomic.Value
	var t0 atomic.Int64
	chunk := []byte(fmt.Sprintf("%x\r\n%s\r\n", 64<<10, strings.Repeat("x", 64<<10)))
	be, err := h.newRawBackend(func(c net.Conn) {
		br := bufio.NewReader(c)
		if _, err := readHead(br, 1<<20); err != nil {
			return
		}
		if _, err := io.WriteString(c, "HTTP/1.1 200 OK\r\nContent-Type: application/octet-stream\r\nTransfer-Encoding: chunked\r\n\r\n"); err != nil {
			return
		}
		for {
			n, err := c.Write(chunk)
			written.Add(int64(n))
			if n > 0 {
				lastProgress.Store(time.Now().UnixNano())
			}
			if err != nil {
				failedAt.Store(time.Now().UnixNano() - t0.Load())
				failErr.Store(shortErr(err))
				return
			}
		}
	})
	if err != nil {
		return startFailed("nonreader", err)
	}
	p, err := h.startSkiff("nonreader", fmt.Sprintf("all: * -> %q;", be.URL()),
		flagVal{"write-idle-timeout-server", "2s"})
	if err != nil {
		return startFailed("nonreader", err)
	}
	out := []result{flagsResult("nonreader", p)}
	wait := pick(h.s.quick, 5*time.Second, 8*time.Second)

	d := net.Dialer{Timeout: 5 * time.Second}
	c, err := d.Dial("tcp", p.addr)
	if err != nil {
		return append(out, result{Name: "nonreader", Measured: "dial", Figure: "ERROR: " + err.Error()})
	}
	h.onStop(func() { c.Close() })
	start := time.Now()
	t0.Store(start.UnixNano())
	io.WriteString(c, "GET /stream HTTP/1.1\r\nHost: nonreader\r\n\r\n")
	for time.Since(start) < wait && failedAt.Load() == 0 {
		time.Sleep(50 * time.Millisecond)
	}
	var fig string
	if f := failedAt.Load(); f != 0 {
		fig = fmt.Sprintf("backend write failed (%v) after %s; %.1f MiB written; connection freed",
			failErr.Load(), secs(time.Duration(f)), float64(written.Load())/(1<<20))
	} else {
		lp := time.Duration(lastProgress.Load() - start.UnixNano())
		fig = fmt.Sprintf("backend write still held after %s (%.1f MiB written, last progress at %s)",
			secs(time.Since(start)), float64(written.Load())/(1<<20), secs(lp))
	}
	// The client's own connection: does it end once the client reads
	// what is queued for it?
	c.SetReadDeadline(time.Now().Add(2 * time.Second))
	n, rerr := io.Copy(io.Discard, c)
	switch {
	case isTimeout(rerr):
		fig += fmt.Sprintf("; the client, reading now, gets %.1f MiB in 2 s and no end", float64(n)/(1<<20))
	default:
		how := "EOF"
		if rerr != nil {
			how = shortErr(rerr)
		}
		fig += fmt.Sprintf("; the client, reading now, gets %.1f MiB, then the connection ends (%s)", float64(n)/(1<<20), how)
	}
	return append(out, result{
		Name:     "nonreader.stream",
		Measured: fmt.Sprintf("client sends GET, never reads an endless 64 KiB-chunk stream; backend state after up to %s", wait),
		Figure:   fig,
		Nginx:    "closed after send_timeout, 60 s default (nginx docs)",
	})
}
