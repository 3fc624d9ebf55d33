package main

// Probe 1, crosstalk: a backend writes a second, unsolicited copy of each
// response on the keep-alive connection 50 ms after the first. A proxy
// that reuses such a connection hands the stale copy to the next request,
// perhaps another client's.

import (
	"bufio"
	"fmt"
	"io"
	"net"
	"net/http"
	"regexp"
	"strings"
	"sync"
	"time"
)

// crosstalkBackend echoes the request path as the body and repeats the
// whole response 50 ms later, unasked.
func (h *harness) crosstalkBackend() (*rawBackend, error) {
	return h.newRawBackend(func(c net.Conn) {
		br := bufio.NewReader(c)
		var wmu sync.Mutex
		for {
			req, err := http.ReadRequest(br)
			if err != nil {
				return
			}
			io.Copy(io.Discard, req.Body)
			path := req.URL.Path
			rsp := fmt.Sprintf("HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: %d\r\n\r\n%s", len(path), path)
			wmu.Lock()
			_, err = io.WriteString(c, rsp)
			wmu.Unlock()
			if err != nil {
				return
			}
			time.AfterFunc(50*time.Millisecond, func() {
				wmu.Lock()
				c.SetWriteDeadline(time.Now().Add(time.Second))
				io.WriteString(c, rsp)
				c.SetWriteDeadline(time.Time{})
				wmu.Unlock()
			})
		}
	})
}

// tally classifies answers: a right answer's body is the request's own
// path (/<case>/c<client>/<seq>).
type tally struct {
	mu          sync.Mutex
	total, ok   int
	otherPath   int // the body is another request's path
	otherClient int // ... of another client
	badStatus   map[string]int
	transport   int
	garbage     int
}

var echoedPath = regexp.MustCompile(`^(/[a-z0-9]+/c\d+)/\d+$`)

func (t *tally) add(path string, rsp *http.Response, err error) {
	var body []byte
	if err == nil {
		body, err = io.ReadAll(io.LimitReader(rsp.Body, 4096))
		rsp.Body.Close()
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.badStatus == nil {
		t.badStatus = map[string]int{}
	}
	t.total++
	switch {
	case err != nil:
		t.transport++
	case rsp.StatusCode != 200:
		t.badStatus[fmt.Sprint(rsp.StatusCode)]++
	case string(body) == path:
		t.ok++
	default:
		m := echoedPath.FindStringSubmatch(string(body))
		if m == nil {
			t.garbage++
			break
		}
		t.otherPath++
		own := echoedPath.FindStringSubmatch(path)
		if own != nil && own[1] != m[1] {
			t.otherClient++
		}
	}
}

func (t *tally) merge(o *tally) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.badStatus == nil {
		t.badStatus = map[string]int{}
	}
	t.total += o.total
	t.ok += o.ok
	t.otherPath += o.otherPath
	t.otherClient += o.otherClient
	t.transport += o.transport
	t.garbage += o.garbage
	for k, v := range o.badStatus {
		t.badStatus[k] += v
	}
}

func (t *tally) wrong() int { return t.total - t.ok }

func (t *tally) detail() string {
	bad := 0
	for _, v := range t.badStatus {
		bad += v
	}
	s := fmt.Sprintf("%d with another request's path (%d of the other client), %d error statuses", t.otherPath, t.otherClient, bad)
	if bad > 0 {
		s += " [" + countSummary(t.badStatus) + "]"
	}
	s += fmt.Sprintf(", %d other bodies, %d transport errors/timeouts", t.garbage, t.transport)
	return s
}

func newClient() *http.Client {
	return &http.Client{
		Transport: &http.Transport{
			MaxIdleConnsPerHost:   1,
			DisableCompression:    true,
			ResponseHeaderTimeout: 5 * time.Second,
		},
		Timeout: 5 * time.Second,
	}
}

// alternate: two clients take turns, gap apart, n requests in all.
func alternate(base, prefix string, n int, gap time.Duration) *tally {
	t := &tally{}
	clients := [2]*http.Client{newClient(), newClient()}
	defer func() {
		for _, c := range clients {
			c.CloseIdleConnections()
		}
	}()
	for i := 0; i < n; i++ {
		path := fmt.Sprintf("/%s/c%d/%d", prefix, i%2, i)
		rsp, err := clients[i%2].Get(base + path)
		t.add(path, rsp, err)
		if i < n-1 {
			time.Sleep(gap)
		}
	}
	return t
}

func runCrosstalk(h *harness) []result {
	q := h.s.quick
	streams := h.s.gap2Streams
	nShort := pick(q, 20, 50)
	nLong := pick(q, 20, 50)
	loadClients := pick(q, 8, 16)
	loadFor := pick(q, 2*time.Second, 5*time.Second)
	perStream := (nLong + streams - 1) / streams

	var routes strings.Builder
	short, err := h.crosstalkBackend()
	if err != nil {
		return startFailed("crosstalk", err)
	}
	fmt.Fprintf(&routes, "xt_short: PathSubtree(\"/short\") -> %q;\n", short.URL())
	for k := 0; k < streams; k++ {
		b, err := h.crosstalkBackend()
		if err != nil {
			return startFailed("crosstalk", err)
		}
		fmt.Fprintf(&routes, "xt_long%d: PathSubtree(\"/long%d\") -> %q;\n", k, k, b.URL())
	}
	load, err := h.crosstalkBackend()
	if err != nil {
		return startFailed("crosstalk", err)
	}
	fmt.Fprintf(&routes, "xt_load: PathSubtree(\"/load\") -> %q;\n", load.URL())

	p, err := h.startSkiff("crosstalk", routes.String())
	if err != nil {
		return startFailed("crosstalk", err)
	}
	base := "http://" + p.addr
	out := []result{flagsResult("crosstalk", p)}

	t := alternate(base, "short", nShort, 200*time.Millisecond)
	out = append(out, result{
		Name:     "crosstalk.rest-0.2s",
		Measured: fmt.Sprintf("wrong answers, %d requests 0.2 s apart, 2 clients alternating", t.total),
		Figure:   fmt.Sprintf("%d/%d wrong: %s", t.wrong(), t.total, t.detail()),
		Nginx:    "0/50 (review)",
	})

	all := &tally{}
	var wg sync.WaitGroup
	for k := 0; k < streams; k++ {
		wg.Add(1)
		go func(k int) {
			defer wg.Done()
			all.merge(alternate(base, fmt.Sprintf("long%d", k), perStream, 2*time.Second))
		}(k)
	}
	wg.Wait()
	how := "one client pair"
	if streams > 1 {
		how = fmt.Sprintf("%d independent client pairs (own backend each) x %d", streams, perStream)
	}
	out = append(out, result{
		Name:     "crosstalk.rest-2s",
		Measured: fmt.Sprintf("wrong answers, %d requests 2 s apart, 2 clients alternating, %s", all.total, how),
		Figure:   fmt.Sprintf("%d/%d wrong: %s", all.wrong(), all.total, all.detail()),
		Nginx:    "0/50 (review)",
	})

	lt := &tally{}
	loadStart := time.Now()
	stop := loadStart.Add(loadFor)
	for i := 0; i < loadClients; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			c := newClient()
			defer c.CloseIdleConnections()
			for seq := 0; time.Now().Before(stop); seq++ {
				path := fmt.Sprintf("/load/c%d/%d", i, seq)
				rsp, err := c.Get(base + path)
				lt.add(path, rsp, err)
			}
		}(i)
	}
	wg.Wait()
	rate := float64(lt.total) / time.Since(loadStart).Seconds()
	pct := 0.0
	if lt.total > 0 {
		pct = 100 * float64(lt.wrong()) / float64(lt.total)
	}
	out = append(out, result{
		Name:     "crosstalk.load",
		Measured: fmt.Sprintf("%d clients for %s, keep-alive", loadClients, loadFor),
		Figure: fmt.Sprintf("%.1f%% wrong (%d of %d, %.0f requests/s); %d carrying another client's path; %s",
			pct, lt.wrong(), lt.total, rate, lt.otherClient, lt.detail()),
		Nginx: "0% (review: nginx's default, a new backend connection per request); 0.7-0.9% with upstream keepalive, 16 clients (measured beside skiff's 0.6%, 2026-11-30)",
	})
	return out
}
