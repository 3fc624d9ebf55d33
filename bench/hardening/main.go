// Command hardening runs the probes of the hardening review against a skiff
// binary and prints one line per measurement, so that the figures before
// and after a fix can be compared:
//
//	go run ./bench/hardening -skiff /tmp/skiff-old.bin
//	go run ./bench/hardening -skiff /tmp/skiff-new.bin [-only crosstalk,smuggle] [-quick]
//
// Every probe family starts its own backends on 127.0.0.1 (raw TCP
// listeners with hand-written answers where a backend must misbehave),
// writes a routes file and starts the binary as a subprocess on free
// loopback ports with the flags it needs; flags the binary does not know
// (see its -help-flags) are left out and named in the output.
package main

import (
	"flag"
	"fmt"
	"os"
	"os/exec"
	"regexp"
	"runtime/debug"
	"sort"
	"strings"
	"syscall"
	"time"
)

// result is one output line: what was measured, the figure, and what
// nginx does where that is known.
type result struct {
	Name     string
	Measured string
	Figure   string
	Nginx    string
}

type family struct {
	name  string
	about string
	run   func(h *harness) []result
	limit time.Duration // the whole family, startup and shutdown included
}

var families = []family{
	{"crosstalk", "unsolicited backend responses on keep-alive connections", runCrosstalk, 3 * time.Minute},
	{"smuggle", "ambiguous request framing, sent as raw bytes", runSmuggle, time.Minute},
	{"badheader", "a backend answering 'Content-Length : 2' (space before the colon)", runBadHeader, time.Minute},
	{"stall", "a backend body that stalls after 10 of 100 bytes", runStall, time.Minute},
	{"headers", "slow, huge request heads; a 1 MB request line", runHeaders, 2 * time.Minute},
	{"uploads", "slow uploaders; a stalled request body", runUploads, 2 * time.Minute},
	{"nonreader", "a client that stops reading a streamed response", runNonReader, time.Minute},
	{"expect", "Expect: 100-continue to a backend that never answers 100", runExpect, 2 * time.Minute},
	{"websocket", "graceful shutdown with a WebSocket relay open", runWebSocket, time.Minute},
}

type settings struct {
	quick       bool
	gap2Streams int
	headerConns int
	uploaders   int
	verbose     bool
}

func main() {
	var names []string
	for _, f := range families {
		names = append(names, f.name)
	}
	bin := flag.String("skiff", "", "path of the skiff binary to probe (required)")
	only := flag.String("only", "", "comma-separated probe families to run (default all): "+strings.Join(names, ", "))
	quick := flag.Bool("quick", false, "a faster, smaller run")
	keep := flag.Bool("keep", false, "keep the work directory (routes files and skiff logs) and print its path")
	gap2 := flag.Int("gap2-streams", 5, "crosstalk: the 2 s-gap case runs as this many independent client pairs, each with its own backend (1: one pair, as the review did; 50 requests then take 100 s)")
	hconns := flag.Int("header-conns", 0, "headers: connections sending slow heads (default 1000, -quick 200)")
	upl := flag.Int("uploaders", 0, "uploads: slow uploaders (default 2000, -quick 500)")
	verbose := flag.Bool("v", false, "print progress notes")
	flag.Parse()
	if *bin == "" {
		fmt.Fprintln(os.Stderr, "usage: go run ./bench/hardening -skiff /path/to/skiff [-only name,...] [-quick]")
		flag.PrintDefaults()
		os.Exit(2)
	}
	selected := map[string]bool{}
	if *only != "" {
		known := map[string]bool{}
		for _, n := range names {
			known[n] = true
		}
		for _, n := range strings.Split(*only, ",") {
			n = strings.TrimSpace(n)
			if !known[n] {
				fmt.Fprintf(os.Stderr, "-only: unknown probe %q (known: %s)\n", n, strings.Join(names, ", "))
				os.Exit(2)
			}
			selected[n] = true
		}
	}

	s := settings{quick: *quick, gap2Streams: max(1, *gap2), headerConns: *hconns, uploaders: *upl, verbose: *verbose}
	if s.headerConns <= 0 {
		s.headerConns = pick(s.quick, 200, 1000)
	}
	if s.uploaders <= 0 {
		s.uploaders = pick(s.quick, 500, 2000)
	}
	nofile := raiseNoFile()

	h, err := newHarness(*bin, s)
	if err != nil {
		fmt.Fprintln(os.Stderr, "hardening:", err)
		os.Exit(1)
	}
	defer h.cleanup(*keep)

	start := time.Now()
	mode := "default"
	if s.quick {
		mode = "quick"
	}
	fmt.Printf("# skiff hardening probes: binary %s (%s run, RLIMIT_NOFILE %d)\n", h.bin, mode, nofile)
	fmt.Printf("# the binary lacks: %s\n", h.missingOf(knownFixFlags))
	fmt.Printf("# every skiff gets: -address 127.0.0.1:P -support-listener 127.0.0.1:P2 -routes-file F %s\n", strings.Join(baseFlagText(), " "))
	fmt.Printf("# loadavg at start: %s\n", loadavg())
	fmt.Printf("# %-28s | %s | %s | %s\n", "probe", "what was measured", "figure", "nginx")
	for _, f := range families {
		if len(selected) > 0 && !selected[f.name] {
			continue
		}
		fmt.Printf("## %s: %s\n", f.name, f.about)
		t0 := time.Now()
		for _, r := range h.runFamily(f) {
			printResult(r)
		}
		fmt.Printf("## %s took %.1f s, loadavg %s\n", f.name, time.Since(t0).Seconds(), loadavg())
	}
	fmt.Printf("# done in %.1f s; loadavg at end: %s\n", time.Since(start).Seconds(), loadavg())
	if *keep {
		fmt.Printf("# work directory kept: %s\n", h.dir)
	}
}

// knownFixFlags are the flags the fixes add; the header line says which
// of them the binary lacks.
var knownFixFlags = []string{
	"read-idle-timeout-backend", "read-idle-timeout-server", "write-idle-timeout-server",
	"max-request-line-bytes", "max-total-header-bytes", "request-body-buffer-bytes",
}

func printResult(r result) {
	ng := r.Nginx
	if ng == "" {
		ng = "-"
	}
	fmt.Printf("%-30s | %s | %s | nginx: %s\n", r.Name, r.Measured, r.Figure, ng)
}

// runFamily runs one probe family with a time limit, turning a panic or
// an overrun into a result line instead of a crash or a hang.
func (h *harness) runFamily(f family) (out []result) {
	done := make(chan []result, 1)
	go func() {
		defer func() {
			if p := recover(); p != nil {
				done <- []result{{Name: f.name, Measured: "probe crashed", Figure: fmt.Sprintf("ERROR: panic: %v\n%s", p, debug.Stack())}}
			}
		}()
		done <- f.run(h)
	}()
	select {
	case out = <-done:
	case <-time.After(f.limit):
		out = []result{{Name: f.name, Measured: "whole family", Figure: fmt.Sprintf("ERROR: did not finish within %s; skiff stopped", f.limit)}}
	}
	h.stopAll()
	return out
}

func pick[T any](quick bool, q, full T) T {
	if quick {
		return q
	}
	return full
}

func raiseNoFile() uint64 {
	var rl syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_NOFILE, &rl); err != nil {
		return 0
	}
	if rl.Cur < rl.Max {
		rl.Cur = rl.Max
		_ = syscall.Setrlimit(syscall.RLIMIT_NOFILE, &rl)
		_ = syscall.Getrlimit(syscall.RLIMIT_NOFILE, &rl)
	}
	return rl.Cur
}

func loadavg() string {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return "?"
	}
	f := strings.Fields(string(b))
	if len(f) < 3 {
		return strings.TrimSpace(string(b))
	}
	return strings.Join(f[:3], " ")
}

var flagLine = regexp.MustCompile(`(?m)^\s+-([a-z0-9][a-z0-9-]*)\b`)

// binaryFlags runs `bin -help-flags` and returns the flag names it lists.
func binaryFlags(bin string) (map[string]bool, error) {
	out, err := exec.Command(bin, "-help-flags").CombinedOutput()
	flags := map[string]bool{}
	for _, m := range flagLine.FindAllStringSubmatch(string(out), -1) {
		flags[m[1]] = true
	}
	if len(flags) == 0 {
		return nil, fmt.Errorf("%s -help-flags listed no flags (%v): %.200s", bin, err, out)
	}
	return flags, nil
}

func (h *harness) missingOf(names []string) string {
	var miss []string
	for _, n := range names {
		if !h.flags[n] {
			miss = append(miss, "-"+n)
		}
	}
	if len(miss) == 0 {
		return "none of the new flags"
	}
	sort.Strings(miss)
	return strings.Join(miss, " ")
}

func secs(d time.Duration) string { return fmt.Sprintf("%.2f s", d.Seconds()) }
