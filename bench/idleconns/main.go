// Command idleconns measures what a running skiff holds per idle
// keep-alive client connection.
//
// It opens -conns connections to -addr, sends one small request on each
// and reads the whole response, so that every connection is past its
// first request and waits in keep-alive for the next one, as a real
// client's does. With the connections open it reads skiff's resident set
// (VmRSS of /proc/PID/status) and compares it with the figure from
// before the connections, per connection. With -support (skiff's support
// listener run with -enable-profile) it also gives the Go runtime's own
// figures, read from /debug/pprof/heap?debug=1 right after a collection
// (gc=1), and the number of goroutines.
//
//	go run ./bench/idleconns -addr 127.0.0.1:9090 -pid 1234 -support 127.0.0.1:9911
//
// The file descriptor limit of both processes must allow -conns, and the
// proxy must not close idle connections meanwhile (-idle-timeout-server 0);
// the connections still open at the end are counted and reported.
package main

import (
	"bufio"
	"errors"
	"flag"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"os"
	"os/signal"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"
)

func main() {
	addr := flag.String("addr", "127.0.0.1:9090", "address of the running skiff's proxy listener")
	conns := flag.Int("conns", 10000, "idle keep-alive connections to open")
	pid := flag.Int("pid", 0, "process id of skiff, for VmRSS (required)")
	support := flag.String("support", "", "skiff's support listener with -enable-profile, for heap figures (optional)")
	path := flag.String("path", "/", "request target of the one request per connection")
	workers := flag.Int("workers", 64, "connections opened at a time")
	settle := flag.Duration("settle", 2*time.Second, "wait after the last connection is idle before measuring")
	gcs := flag.Int("gcs", 3, "with -support: collections forced before each measurement, a second apart (sync.Pool keeps freed buffers for a collection, and the runtime returns freed memory to the OS in the background)")
	hold := flag.Bool("hold", false, "keep the connections open after measuring until interrupted (for profiling)")
	flag.Parse()
	if *pid <= 0 {
		log.Fatal("idleconns: -pid of skiff is required")
	}
	if *conns <= 0 {
		log.Fatal("idleconns: -conns must be positive")
	}

	before := measure(*pid, *support, *gcs)
	fmt.Printf("before: %s\n", before)

	start := time.Now()
	open, err := openIdle(*addr, *path, *conns, *workers)
	if err != nil {
		closeAll(open)
		log.Fatalf("idleconns: %v", err)
	}
	fmt.Printf("opened %d connections, one request each, in %v\n", len(open), time.Since(start).Round(time.Millisecond))
	time.Sleep(*settle)

	after := measure(*pid, *support, *gcs)
	alive := countAlive(open)
	fmt.Printf("after:  %s\n", after)
	fmt.Printf("connections still open: %d of %d\n", alive, len(open))

	n := float64(len(open))
	perConn := func(name string, a, b int64) {
		if a < 0 || b < 0 {
			return
		}
		fmt.Printf("  %-12s %+9.1f MiB  %7.2f KiB per connection\n", name, float64(b-a)/(1<<20), float64(b-a)/1024/n)
	}
	fmt.Printf("difference over %d idle connections:\n", len(open))
	perConn("VmRSS", before.rss, after.rss)
	perConn("HeapInuse", before.heapInuse, after.heapInuse)
	perConn("StackInuse", before.stackInuse, after.stackInuse)
	perConn("Sys", before.sys, after.sys)
	if before.goroutines >= 0 && after.goroutines >= 0 {
		fmt.Printf("  %-12s %+9d      %7.2f per connection\n", "goroutines", after.goroutines-before.goroutines,
			float64(after.goroutines-before.goroutines)/n)
	}
	if alive < len(open) {
		fmt.Printf("WARNING: %d connections were closed by the proxy during the measurement\n", len(open)-alive)
	}

	if *hold {
		fmt.Println("holding the connections; interrupt to end")
		sig := make(chan os.Signal, 1)
		signal.Notify(sig, os.Interrupt, syscall.SIGTERM)
		<-sig
	}
	closeAll(open)
	if alive < len(open) {
		os.Exit(1)
	}
}

// openIdle opens n connections, each with one request answered in full.
func openIdle(addr, path string, n, workers int) ([]net.Conn, error) {
	req := []byte("GET " + path + " HTTP/1.1\r\nHost: idleconns.test\r\nUser-Agent: idleconns\r\n\r\n")
	out := make([]net.Conn, n)
	var (
		mu    sync.Mutex
		first error
		wg    sync.WaitGroup
	)
	next := make(chan int)
	for range max(1, workers) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				c, err := oneRequest(addr, req)
				mu.Lock()
				if err != nil && first == nil {
					first = fmt.Errorf("connection %d: %w", i, err)
				}
				out[i] = c
				mu.Unlock()
			}
		}()
	}
	for i := range n {
		mu.Lock()
		failed := first != nil
		mu.Unlock()
		if failed {
			break
		}
		next <- i
	}
	close(next)
	wg.Wait()
	open := out[:0]
	for _, c := range out {
		if c != nil {
			open = append(open, c)
		}
	}
	return open, first
}

func oneRequest(addr string, req []byte) (net.Conn, error) {
	c, err := net.DialTimeout("tcp", addr, 10*time.Second)
	if err != nil {
		return nil, err
	}
	_ = c.SetDeadline(time.Now().Add(30 * time.Second))
	if _, err := c.Write(req); err != nil {
		c.Close()
		return nil, err
	}
	// A reader of its own, dropped afterwards: the response must be read
	// to its end, and nothing may be left over for the next request.
	br := bufio.NewReaderSize(c, 1024)
	resp, err := http.ReadResponse(br, nil)
	if err != nil {
		c.Close()
		return nil, err
	}
	_, err = io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	if err == nil && resp.StatusCode != http.StatusOK {
		err = fmt.Errorf("status %s", resp.Status)
	}
	if err == nil && resp.Close {
		err = errors.New("the proxy closes the connection after the response")
	}
	if err == nil && br.Buffered() > 0 {
		err = fmt.Errorf("%d bytes after the response", br.Buffered())
	}
	if err != nil {
		c.Close()
		return nil, err
	}
	_ = c.SetDeadline(time.Time{})
	return c, nil
}

// countAlive counts the connections the proxy has not closed: a read that
// times out finds the connection open, one that ends (EOF, reset) closed.
func countAlive(cs []net.Conn) int {
	alive := 0
	var b [1]byte
	for _, c := range cs {
		_ = c.SetReadDeadline(time.Now().Add(time.Millisecond))
		_, err := c.Read(b[:])
		var ne net.Error
		if errors.As(err, &ne) && ne.Timeout() {
			alive++
		}
	}
	return alive
}

func closeAll(cs []net.Conn) {
	for _, c := range cs {
		c.Close()
	}
}

// sample is one look at skiff's memory; -1 where not known.
type sample struct {
	rss                        int64
	heapInuse, stackInuse, sys int64
	goroutines                 int64
}

func (s sample) String() string {
	t := fmt.Sprintf("VmRSS %.1f MiB", float64(s.rss)/(1<<20))
	if s.heapInuse >= 0 {
		t += fmt.Sprintf(", HeapInuse %.1f MiB, StackInuse %.1f MiB, Sys %.1f MiB",
			float64(s.heapInuse)/(1<<20), float64(s.stackInuse)/(1<<20), float64(s.sys)/(1<<20))
	}
	if s.goroutines >= 0 {
		t += fmt.Sprintf(", %d goroutines", s.goroutines)
	}
	return t
}

func measure(pid int, support string, gcs int) sample {
	s := sample{rss: -1, heapInuse: -1, stackInuse: -1, sys: -1, goroutines: -1}
	if support != "" {
		// gc=1 collects first, so that the heap and the RSS after it
		// hold little garbage; the last look gives the figures.
		for range gcs - 1 {
			if _, err := memStats(support); err != nil {
				break
			}
			time.Sleep(time.Second)
		}
		if stats, err := memStats(support); err != nil {
			log.Printf("idleconns: heap figures: %v", err)
		} else {
			s.heapInuse, s.stackInuse, s.sys = stats["HeapInuse"], stats["Stack"], stats["Sys"]
		}
		if n, err := goroutines(support); err != nil {
			log.Printf("idleconns: goroutines: %v", err)
		} else {
			s.goroutines = n
		}
	}
	rss, err := vmRSS(pid)
	if err != nil {
		log.Fatalf("idleconns: %v", err)
	}
	s.rss = rss
	return s
}

func vmRSS(pid int) (int64, error) {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/status")
	if err != nil {
		return 0, err
	}
	for line := range strings.Lines(string(b)) {
		if v, ok := strings.CutPrefix(line, "VmRSS:"); ok {
			f := strings.Fields(v) // "1234 kB"
			if len(f) != 2 || f[1] != "kB" {
				break
			}
			kb, err := strconv.ParseInt(f[0], 10, 64)
			return kb << 10, err
		}
	}
	return 0, fmt.Errorf("no VmRSS in /proc/%d/status", pid)
}

func get(url string) (string, error) {
	c := http.Client{Timeout: 30 * time.Second}
	resp, err := c.Get(url)
	if err != nil {
		return "", err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err == nil && resp.StatusCode != http.StatusOK {
		err = fmt.Errorf("%s: %s (is skiff run with -enable-profile?)", url, resp.Status)
	}
	return string(b), err
}

// memStats reads the runtime.MemStats lines ("# HeapInuse = 123") of the
// text heap profile.
func memStats(support string) (map[string]int64, error) {
	body, err := get("http://" + support + "/debug/pprof/heap?debug=1&gc=1")
	if err != nil {
		return nil, err
	}
	m := map[string]int64{}
	for line := range strings.Lines(body) {
		k, v, ok := strings.Cut(strings.TrimPrefix(strings.TrimSpace(line), "# "), " = ")
		if !ok {
			continue
		}
		// "Stack = 123 / 456" is in use / obtained from the OS.
		v, _, _ = strings.Cut(v, " / ")
		if n, err := strconv.ParseInt(v, 10, 64); err == nil {
			m[k] = n
		}
	}
	if _, ok := m["HeapInuse"]; !ok {
		return nil, errors.New("no MemStats in the heap profile")
	}
	return m, nil
}

// goroutines reads the count from the first line of the goroutine
// profile ("goroutine profile: total 12").
func goroutines(support string) (int64, error) {
	body, err := get("http://" + support + "/debug/pprof/goroutine?debug=1")
	if err != nil {
		return 0, err
	}
	first, _, _ := strings.Cut(body, "\n")
	f := strings.Fields(first)
	if len(f) == 0 {
		return 0, errors.New("empty goroutine profile")
	}
	return strconv.ParseInt(f[len(f)-1], 10, 64)
}
