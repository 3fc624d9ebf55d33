package main

import (
	"bufio"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"
)

// harness holds the binary under test and what each family started, so
// that all of it is stopped even when a probe overruns.
type harness struct {
	bin   string
	flags map[string]bool
	s     settings
	dir   string

	mu       sync.Mutex
	procs    []*skiffProc
	closers  []func()
	familyNo int
}

func newHarness(bin string, s settings) (*harness, error) {
	abs, err := filepath.Abs(bin)
	if err != nil {
		return nil, err
	}
	if _, err := os.Stat(abs); err != nil {
		return nil, err
	}
	flags, err := binaryFlags(abs)
	if err != nil {
		return nil, err
	}
	dir, err := os.MkdirTemp("", "skiff-hardening-")
	if err != nil {
		return nil, err
	}
	return &harness{bin: abs, flags: flags, s: s, dir: dir}, nil
}

func (h *harness) cleanup(keep bool) {
	h.stopAll()
	if !keep {
		os.RemoveAll(h.dir)
	}
}

// onStop registers something (a backend, a client connection) to close
// when the current family ends.
func (h *harness) onStop(f func()) {
	h.mu.Lock()
	h.closers = append(h.closers, f)
	h.mu.Unlock()
}

func (h *harness) stopAll() {
	h.mu.Lock()
	procs, closers := h.procs, h.closers
	h.procs, h.closers = nil, nil
	h.mu.Unlock()
	for i := len(closers) - 1; i >= 0; i-- {
		closers[i]()
	}
	for _, p := range procs {
		p.stop()
	}
}

func (h *harness) note(format string, args ...any) {
	if h.s.verbose {
		fmt.Fprintf(os.Stderr, "  .. "+format+"\n", args...)
	}
}

// baseFlags go to every skiff; a family may override one by name.
func baseFlags() []flagVal {
	return []flagVal{
		{"wait-for-healthcheck-interval", "0"},
		{"shutdown-timeout", "2s"},
		{"access-log-disabled", ""},
	}
}

func baseFlagText() []string {
	var out []string
	for _, f := range baseFlags() {
		out = append(out, f.text())
	}
	return out
}

type flagVal struct{ name, value string }

func (f flagVal) text() string {
	if f.value == "" {
		return "-" + f.name
	}
	return "-" + f.name + " " + f.value
}

type skiffProc struct {
	cmd     *exec.Cmd
	addr    string
	support string
	logPath string
	exited  chan struct{}
	exitAt  time.Time
	exitErr error
	// Passed and Skipped are the family's own flags (beyond the base ones):
	// those given and those the binary does not know.
	Passed  []string
	Skipped []string
}

// FlagsText says which probe-specific flags were used, for the output.
func (p *skiffProc) FlagsText() string {
	s := "skiff flags: " + strings.Join(p.Passed, " ")
	if len(p.Passed) == 0 {
		s = "skiff flags: (defaults only)"
	}
	if len(p.Skipped) > 0 {
		s += "; not in this binary, not passed: " + strings.Join(p.Skipped, " ")
	}
	return s
}

func freePort() (int, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port, nil
}

const readyPath = "/__hardening_ready"

// startSkiff writes routes (plus a ready route) to a file and starts the
// binary on free loopback ports with the base flags and extra (left out
// when the binary lacks them), and waits until the proxy port answers.
func (h *harness) startSkiff(name, routes string, extra ...flagVal) (*skiffProc, error) {
	h.mu.Lock()
	h.familyNo++
	n := h.familyNo
	h.mu.Unlock()
	routesFile := filepath.Join(h.dir, fmt.Sprintf("%02d-%s.eskip", n, name))
	routes = fmt.Sprintf("hardening_ready: Path(%q) -> status(204) -> <shunt>;\n%s\n", readyPath, routes)
	if err := os.WriteFile(routesFile, []byte(routes), 0o644); err != nil {
		return nil, err
	}
	var lastErr error
	for attempt := 0; attempt < 3; attempt++ {
		p, err := h.tryStart(name, n, routesFile, extra)
		if err == nil {
			return p, nil
		}
		lastErr = err
	}
	return nil, lastErr
}

func (h *harness) tryStart(name string, n int, routesFile string, extra []flagVal) (*skiffProc, error) {
	pp, err := freePort()
	if err != nil {
		return nil, err
	}
	sp, err := freePort()
	if err != nil {
		return nil, err
	}
	p := &skiffProc{
		addr:    fmt.Sprintf("127.0.0.1:%d", pp),
		support: fmt.Sprintf("127.0.0.1:%d", sp),
		logPath: filepath.Join(h.dir, fmt.Sprintf("%02d-%s.log", n, name)),
		exited:  make(chan struct{}),
	}
	args := []string{"-address", p.addr, "-support-listener", p.support, "-routes-file", routesFile}
	flags := baseFlags()
	for _, e := range extra {
		if !h.flags[e.name] {
			p.Skipped = append(p.Skipped, "-"+e.name)
			continue
		}
		p.Passed = append(p.Passed, e.text())
		replaced := false
		for i := range flags {
			if flags[i].name == e.name {
				flags[i], replaced = e, true
			}
		}
		if !replaced {
			flags = append(flags, e)
		}
	}
	for _, f := range flags {
		if !h.flags[f.name] {
			continue
		}
		if f.value == "" {
			args = append(args, "-"+f.name)
		} else {
			args = append(args, "-"+f.name, f.value)
		}
	}
	logf, err := os.Create(p.logPath)
	if err != nil {
		return nil, err
	}
	p.cmd = exec.Command(h.bin, args...)
	p.cmd.Stdout, p.cmd.Stderr = logf, logf
	p.cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	if err := p.cmd.Start(); err != nil {
		logf.Close()
		return nil, err
	}
	go func() {
		p.exitErr = p.cmd.Wait()
		p.exitAt = time.Now()
		logf.Close()
		close(p.exited)
	}()
	h.mu.Lock()
	h.procs = append(h.procs, p)
	h.mu.Unlock()
	h.note("started %s: %s %s", name, h.bin, strings.Join(args, " "))

	deadline := time.Now().Add(15 * time.Second)
	for time.Now().Before(deadline) {
		select {
		case <-p.exited:
			return nil, fmt.Errorf("skiff exited at startup (%v): %s", p.exitErr, p.logTail(5))
		default:
		}
		if ready(p.addr) {
			return p, nil
		}
		time.Sleep(50 * time.Millisecond)
	}
	p.stop()
	return nil, fmt.Errorf("skiff did not answer on %s within 15 s: %s", p.addr, p.logTail(5))
}

// ready: the proxy port answers an HTTP request for the ready route.
func ready(addr string) bool {
	c, err := net.DialTimeout("tcp", addr, time.Second)
	if err != nil {
		return false
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(2 * time.Second))
	fmt.Fprintf(c, "GET %s HTTP/1.1\r\nHost: ready\r\nConnection: close\r\n\r\n", readyPath)
	line, err := bufio.NewReader(c).ReadString('\n')
	return err == nil && strings.HasPrefix(line, "HTTP/1.1 204")
}

func (p *skiffProc) alive() bool {
	select {
	case <-p.exited:
		return false
	default:
		return true
	}
}

// stop sends SIGTERM and kills after 12 s (the longest -shutdown-timeout
// used is 10 s).
func (p *skiffProc) stop() {
	if p == nil || p.cmd == nil || p.cmd.Process == nil || !p.alive() {
		return
	}
	p.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-p.exited:
	case <-time.After(12 * time.Second):
		p.cmd.Process.Kill()
		<-p.exited
	}
}

func (p *skiffProc) pid() int { return p.cmd.Process.Pid }

// statusKiB reads a field (VmRSS, VmHWM) of /proc/PID/status in KiB.
func (p *skiffProc) statusKiB(field string) int64 {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", p.pid()))
	if err != nil {
		return -1
	}
	for _, line := range strings.Split(string(b), "\n") {
		if strings.HasPrefix(line, field+":") {
			f := strings.Fields(line[len(field)+1:])
			if len(f) > 0 {
				v, _ := strconv.ParseInt(f[0], 10, 64)
				return v
			}
		}
	}
	return -1
}

func (p *skiffProc) logTail(n int) string {
	b, _ := os.ReadFile(p.logPath)
	lines := strings.Split(strings.TrimSpace(string(b)), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, " / ")
}

// flagsResult is the line each family prints first: its skiff flags.
func flagsResult(fam string, p *skiffProc) result {
	return result{Name: fam + ".flags", Measured: "probe-specific flags", Figure: p.FlagsText()}
}

func startFailed(fam string, err error) []result {
	return []result{{Name: fam, Measured: "starting skiff", Figure: "ERROR: " + err.Error()}}
}
