package main

// Probe 9: graceful shutdown with a WebSocket relay open. SIGTERM with
// -wait-for-healthcheck-interval 0 -shutdown-timeout 10s; 1 s later, does
// the relay still echo? How long after the client closes it does skiff
// exit?

import (
	"bufio"
	"fmt"
	"io"
	"net"
	"net/http"
	"syscall"
	"time"
)

func runWebSocket(h *harness) []result {
	be, err := h.newRawBackend(func(c net.Conn) {
		br := bufio.NewReader(c)
		if _, err := readHead(br, 1<<20); err != nil {
			return
		}
		if _, err := io.WriteString(c, "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n"); err != nil {
			return
		}
		io.Copy(c, br) // echo
	})
	if err != nil {
		return startFailed("websocket", err)
	}
	p, err := h.startSkiff("websocket", fmt.Sprintf("ws: * -> %q;", be.URL()),
		flagVal{"wait-for-healthcheck-interval", "0"}, flagVal{"shutdown-timeout", "10s"})
	if err != nil {
		return startFailed("websocket", err)
	}
	out := []result{flagsResult("websocket", p)}
	fail := func(what string, err error) []result {
		return append(out, result{Name: "websocket.shutdown", Measured: what, Figure: "ERROR: " + shortErr(err)})
	}

	c, err := net.DialTimeout("tcp", p.addr, 5*time.Second)
	if err != nil {
		return fail("dial", err)
	}
	h.onStop(func() { c.Close() })
	c.SetDeadline(time.Now().Add(5 * time.Second))
	io.WriteString(c, "GET /ws HTTP/1.1\r\nHost: ws\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n")
	br := bufio.NewReader(c)
	rsp, err := http.ReadResponse(br, nil)
	if err != nil {
		return fail("handshake", err)
	}
	if rsp.StatusCode != 101 {
		return append(out, result{Name: "websocket.shutdown", Measured: "handshake", Figure: fmt.Sprintf("ERROR: status %d", rsp.StatusCode)})
	}
	if err := echo(c, br, "before shutdown"); err != nil {
		return fail("echo before SIGTERM", err)
	}

	sig := time.Now()
	p.cmd.Process.Signal(syscall.SIGTERM)
	time.Sleep(time.Second)

	listener := "the listener still accepts"
	if lc, err := net.DialTimeout("tcp", p.addr, time.Second); err != nil {
		listener = "the listener is closed"
	} else {
		lc.Close()
	}
	exitedEarly := !p.alive()
	echoErr := echo(c, br, "one second after SIGTERM")
	relay := "the relay still echoes 1 s after SIGTERM"
	if echoErr != nil {
		relay = "the relay is CUT 1 s after SIGTERM (" + shortErr(echoErr) + ")"
	}

	closed := time.Now()
	c.Close()
	var exit string
	select {
	case <-p.exited:
	case <-time.After(15 * time.Second):
	}
	switch {
	case p.alive():
		exit = "skiff still running 15 s after the client closed"
	case exitedEarly || p.exitAt.Before(closed):
		exit = fmt.Sprintf("skiff had exited %s after SIGTERM, before the client closed the relay", secs(p.exitAt.Sub(sig)))
	default:
		exit = fmt.Sprintf("skiff exited %s after the client closed the relay (%s after SIGTERM)", secs(p.exitAt.Sub(closed)), secs(p.exitAt.Sub(sig)))
	}
	status := "exit status 0"
	if !p.alive() && p.exitErr != nil {
		status = p.exitErr.Error()
	}
	return append(out, result{
		Name:     "websocket.shutdown",
		Measured: "WebSocket relay open, SIGTERM (-shutdown-timeout 10s): relay 1 s later, exit after the client closes it",
		Figure:   fmt.Sprintf("%s; %s; %s (%s)", relay, listener, exit, status),
		Nginx:    "upgraded connections are kept until they close (graceful quit; worker_shutdown_timeout unset)",
	})
}

func echo(c net.Conn, br *bufio.Reader, msg string) error {
	c.SetDeadline(time.Now().Add(2 * time.Second))
	if _, err := io.WriteString(c, msg); err != nil {
		return err
	}
	got := make([]byte, len(msg))
	if _, err := io.ReadFull(br, got); err != nil {
		return err
	}
	if string(got) != msg {
		return fmt.Errorf("echoed %q instead of %q", got, msg)
	}
	return nil
}
