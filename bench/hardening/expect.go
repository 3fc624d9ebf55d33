package main

// Probe 8: Expect: 100-continue uploads to a backend that never sends 100
// Continue and reads the body only when it arrives. The client behaves as
// curl does: it waits up to 1 s for 100 Continue, then sends the body.

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptrace"
	"sync"
	"time"
)

func runExpect(h *harness) []result {
	be, err := h.newRawBackend(func(c net.Conn) {
		br := bufio.NewReader(c)
		for {
			hd, err := readHead(br, 1<<20)
			if err != nil {
				return
			}
			c.SetReadDeadline(time.Now().Add(90 * time.Second))
			n, err := drainBody(br, hd)
			if err != nil {
				return
			}
			c.SetReadDeadline(time.Time{})
			_, expect := hd.get("Expect")
			if writeResponse(c, 200, fmt.Sprintf("got %d bytes, Expect forwarded: %v", n, expect)) != nil {
				return
			}
		}
	})
	if err != nil {
		return startFailed("expect", err)
	}
	p, err := h.startSkiff("expect", fmt.Sprintf("all: * -> %q;", be.URL()))
	if err != nil {
		return startFailed("expect", err)
	}
	out := []result{flagsResult("expect", p)}
	limit := pick(h.s.quick, 12*time.Second, 45*time.Second)
	cases := []struct {
		name string
		size int
	}{{"expect.2mb", 2_000_000}, {"expect.10kb", 10_000}}
	res := make([]result, len(cases))
	var wg sync.WaitGroup
	for i, c := range cases {
		wg.Add(1)
		go func() {
			defer wg.Done()
			res[i] = expectUpload(p.addr, c.name, c.size, limit)
		}()
	}
	wg.Wait()
	return append(out, res...)
}

func expectUpload(addr, name string, size int, limit time.Duration) result {
	client := &http.Client{
		Transport: &http.Transport{ExpectContinueTimeout: time.Second, DisableKeepAlives: true},
		Timeout:   limit,
	}
	var mu sync.Mutex
	var got100, wrote time.Duration
	t0 := time.Now()
	trace := &httptrace.ClientTrace{
		Got100Continue: func() { mu.Lock(); got100 = time.Since(t0); mu.Unlock() },
		WroteRequest:   func(httptrace.WroteRequestInfo) { mu.Lock(); wrote = time.Since(t0); mu.Unlock() },
	}
	req, _ := http.NewRequestWithContext(httptrace.WithClientTrace(context.Background(), trace),
		"POST", "http://"+addr+"/upload", bytes.NewReader(make([]byte, size)))
	req.ContentLength = int64(size)
	req.Header.Set("Expect", "100-continue")
	req.Header.Set("Content-Type", "application/octet-stream")
	rsp, err := client.Do(req)
	var fig string
	if err != nil {
		fig = fmt.Sprintf("no response after %s (%s)", secs(time.Since(t0)), shortErr(err))
	} else {
		body, _ := io.ReadAll(io.LimitReader(rsp.Body, 256))
		rsp.Body.Close()
		fig = fmt.Sprintf("status %d after %s (%q)", rsp.StatusCode, secs(time.Since(t0)), body)
	}
	mu.Lock()
	if got100 > 0 {
		fig += fmt.Sprintf("; 100 Continue from skiff at %s", secs(got100))
	} else {
		fig += "; no 100 Continue from skiff"
	}
	if wrote > 0 {
		fig += fmt.Sprintf("; body sent by %s", secs(wrote))
	}
	mu.Unlock()
	return result{
		Name:     name,
		Measured: fmt.Sprintf("POST of %d bytes with Expect: 100-continue (client waits 1 s for 100, as curl), backend never sends 100: time to the response (cap %s)", size, limit),
		Figure:   fig,
		Nginx:    "no stall: nginx answers 100 itself and buffers the body (nginx docs)",
	}
}
