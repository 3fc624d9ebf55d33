package main

// Probe 5: many connections each sending a huge request head slowly (never
// finishing it), and skiff's resident memory meanwhile; then a request
// line of 1 MB.

import (
	"bufio"
	"fmt"
	"net"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

func runHeaders(h *harness) []result {
	var longSeen atomic.Int64
	be, err := h.newRawBackend(func(c net.Conn) {
		br := bufio.NewReaderSize(c, 64<<10)
		for {
			c.SetReadDeadline(time.Now().Add(30 * time.Second))
			hd, err := readHead(br, 8<<20)
			if err != nil {
				return
			}
			if n := len(hd.target()); n > 1000 {
				longSeen.Store(int64(n))
			}
			if _, err := drainBody(br, hd); err != nil {
				return
			}
			if writeResponse(c, 200, fmt.Sprintf("target of %d bytes", len(hd.target()))) != nil {
				return
			}
		}
	})
	if err != nil {
		return startFailed("headers", err)
	}
	p, err := h.startSkiff("headers", fmt.Sprintf("all: * -> %q;", be.URL()))
	if err != nil {
		return startFailed("headers", err)
	}
	out := []result{flagsResult("headers", p)}
	out = append(out, headerMemory(h, p)...)
	out = append(out, longURL(h, p, &longSeen))
	return out
}

// headerMemory: N connections each send a request line, then 255 chunks of
// 4 KiB of header lines 10 ms apart (1020 KiB, just under the 1 MiB
// -max-header-bytes default), never the blank line; skiff's RSS is sampled
// throughout.
func headerMemory(h *harness, p *skiffProc) []result {
	n := h.s.headerConns
	const chunks, chunkSize = 255, 4 << 10
	var chunk strings.Builder
	for i := 0; chunk.Len() < chunkSize; i++ {
		line := fmt.Sprintf("X-Filler-%02d: ", i)
		line += strings.Repeat("a", 62-len(line)) + "\r\n"
		chunk.WriteString(line)
	}
	data := []byte(chunk.String()[:chunkSize-2] + "\r\n")

	time.Sleep(500 * time.Millisecond)
	rest := p.statusKiB("VmRSS")
	var peak atomic.Int64
	peak.Store(rest)
	stopSampling := make(chan struct{})
	var sampler sync.WaitGroup
	sampler.Add(1)
	go func() {
		defer sampler.Done()
		tk := time.NewTicker(50 * time.Millisecond)
		defer tk.Stop()
		for {
			select {
			case <-stopSampling:
				return
			case <-tk.C:
				if v := p.statusKiB("VmRSS"); v > peak.Load() {
					peak.Store(v)
				}
			}
		}
	}()

	var mu sync.Mutex
	conns := make([]net.Conn, 0, n)
	var full, unfinished, broken, slowed atomic.Int64
	var sentBytes, lastProgress atomic.Int64
	// The send phase ends when every head is sent, when no client could
	// send anything for 3 s (skiff stopped reading), or at the cap.
	phaseCap := pick(h.s.quick, 20*time.Second, 40*time.Second)
	phaseDone := make(chan struct{})
	allSent := make(chan struct{})
	t0 := time.Now()
	lastProgress.Store(t0.UnixNano())
	endReason := "all heads sent"
	go func() {
		tk := time.NewTicker(100 * time.Millisecond)
		defer tk.Stop()
		for {
			select {
			case <-allSent:
				close(phaseDone)
				return
			case <-tk.C:
				idle := time.Since(time.Unix(0, lastProgress.Load()))
				switch {
				case idle > 3*time.Second:
					endReason = fmt.Sprintf("no client could send for %s", secs(idle))
				case time.Since(t0) > phaseCap:
					endReason = fmt.Sprintf("cap of %s reached", phaseCap)
				default:
					continue
				}
				close(phaseDone)
				<-allSent
				return
			}
		}
	}()
	dialFails := dialMany(p.addr, n, 64, func(i int, c net.Conn) {
		mu.Lock()
		conns = append(conns, c)
		mu.Unlock()
		c.(*net.TCPConn).SetWriteBuffer(16 << 10)
		if _, err := fmt.Fprintf(c, "GET /headers/%d HTTP/1.1\r\nHost: headers\r\n", i); err != nil {
			broken.Add(1)
			return
		}
		wasSlowed := false
		for k := 0; k < chunks; k++ {
			for buf := data; len(buf) > 0; {
				select {
				case <-phaseDone:
					unfinished.Add(1)
					return
				default:
				}
				c.SetWriteDeadline(time.Now().Add(500 * time.Millisecond))
				m, err := c.Write(buf)
				buf = buf[m:]
				if m > 0 {
					sentBytes.Add(int64(m))
					lastProgress.Store(time.Now().UnixNano())
				}
				if err != nil {
					if !isTimeout(err) {
						broken.Add(1)
						return
					}
					if !wasSlowed {
						wasSlowed = true
						slowed.Add(1)
					}
				}
			}
			time.Sleep(10 * time.Millisecond)
		}
		full.Add(1)
	})
	close(allSent)
	<-phaseDone
	sendTook := time.Since(t0)
	time.Sleep(time.Second) // the heads sit in skiff; keep sampling
	close(stopSampling)
	sampler.Wait()
	if v := p.statusKiB("VmRSS"); v > peak.Load() {
		peak.Store(v)
	}
	hwm := p.statusKiB("VmHWM")

	// What became of the connections: answered, closed or still waiting.
	answers := map[string]int{}
	var closedN, openN int
	var amu sync.Mutex
	var wg sync.WaitGroup
	sem := make(chan struct{}, 256)
	for _, c := range conns {
		wg.Add(1)
		sem <- struct{}{}
		go func(c net.Conn) {
			defer wg.Done()
			defer func() { <-sem }()
			c.SetReadDeadline(time.Now().Add(200 * time.Millisecond))
			line, err := bufio.NewReader(c).ReadString('\n')
			amu.Lock()
			defer amu.Unlock()
			switch {
			case strings.HasPrefix(line, "HTTP/"):
				answers[strings.TrimSpace(line)]++
			case isTimeout(err):
				openN++
			default:
				closedN++
			}
		}(c)
	}
	wg.Wait()
	for _, c := range conns {
		c.Close()
	}
	time.Sleep(500 * time.Millisecond)
	after := p.statusKiB("VmRSS")

	mib := func(k int64) string { return fmt.Sprintf("%.0f MiB", float64(k)/1024) }
	perConn := float64(peak.Load()-rest) / float64(n)
	fig := fmt.Sprintf("RSS at rest %s, peak %s (VmHWM %s), %.0f KiB per connection attempted; %s after closing",
		mib(rest), mib(peak.Load()), mib(hwm), perConn, mib(after))
	fig += fmt.Sprintf("; client sent %.0f MiB in %s (%s): %d heads sent in full, %d unfinished, %d connections broken, %d dial failures, %d blocked 0.5 s at least once; then %d open, %d closed, answered: %s",
		float64(sentBytes.Load())/(1<<20), secs(sendTook), endReason, full.Load(), unfinished.Load(), broken.Load(), dialFails, slowed.Load(), openN, closedN, countSummary(answers))
	return []result{{
		Name:     "headers.memory",
		Measured: fmt.Sprintf("%d connections each sending 1020 KiB of header lines, 4 KiB every 10 ms, never ending the head: skiff RSS", n),
		Figure:   fig,
		Nginx:    "11 KiB per connection (review)",
	}}
}

// longURL: one request whose target is 1,000,000 bytes long.
func longURL(h *harness, p *skiffProc, seen *atomic.Int64) result {
	seen.Store(0)
	req := "GET /" + strings.Repeat("a", 1000000-1) + " HTTP/1.1\r\nHost: longurl\r\n\r\n"
	o := exchange(p.addr, req, 10*time.Second, false)
	fig := fmt.Sprintf("status %s", o.statusText())
	if o.status != 0 {
		fig += fmt.Sprintf(" (%s)", o.statusLine)
	} else {
		fig += " (" + o.end + ")"
	}
	if n := seen.Load(); n > 0 {
		fig += fmt.Sprintf("; forwarded: the backend got a %d-byte target", n)
	} else {
		fig += "; the backend got nothing"
	}
	if o.status != 0 && o.bodyBytes > 0 && o.status == 200 {
		fig += fmt.Sprintf(", said %q", o.body)
	}
	return result{
		Name:     "headers.long-url",
		Measured: "a request whose target is 1,000,000 bytes: status",
		Figure:   fig,
		Nginx:    "414 (large_client_header_buffers 8k)",
	}
}
