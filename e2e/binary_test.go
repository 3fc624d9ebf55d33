package e2e

import (
	"bytes"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

var (
	buildOnce sync.Once
	binPath   string
	buildErr  error
)

// skiffBinary builds cmd/skiff once per test run.
func skiffBinary(t *testing.T) string {
	t.Helper()
	buildOnce.Do(func() {
		dir, err := os.MkdirTemp("", "skiff-e2e")
		if err != nil {
			buildErr = err
			return
		}
		binPath = filepath.Join(dir, "skiff")
		out, err := exec.Command("go", "build", "-o", binPath, "github.com/skiff-proxy/skiff/cmd/skiff").CombinedOutput()
		if err != nil {
			buildErr = fmt.Errorf("go build: %v\n%s", err, out)
		}
	})
	if buildErr != nil {
		t.Fatal(buildErr)
	}
	return binPath
}

func TestBinaryConfigErrors(t *testing.T) {
	bin := skiffBinary(t)
	dir := t.TempDir()
	bad := filepath.Join(dir, "bad.eskip")
	os.WriteFile(bad, []byte("ok: * -> <shunt>;\n\nbroken: Path(\"/\") -> ;\n"), 0o644)
	for _, tc := range []struct {
		name string
		args []string
		want string
	}{
		{"syntax error", []string{"-routes-file", bad}, bad + ":3:"},
		{"missing file", []string{"-routes-file", filepath.Join(dir, "nope.eskip")}, "nope.eskip: no such file"},
		{"unknown flag", []string{"-routes-file", bad, "-no-such-flag"}, "-no-such-flag"},
		{"bad value", []string{"-routes-file", bad, "-idle-timeout-server", "soon"}, "-idle-timeout-server"},
		{"bad default filter", []string{"-inline-routes", "r: * -> <shunt>;", "-default-filters-prepend", "setPath("}, "default-filters-prepend"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cmd := exec.Command(bin, append(tc.args, "-support-listener", "", "-address", "127.0.0.1:0")...)
			var stderr bytes.Buffer
			cmd.Stderr = &stderr
			err := cmd.Run()
			code := -1
			if ee, ok := err.(*exec.ExitError); ok {
				code = ee.ExitCode()
			}
			if code != 2 {
				t.Errorf("exit code %d (%v), want 2; stderr: %s", code, err, stderr.String())
			}
			if !strings.Contains(stderr.String(), tc.want) {
				t.Errorf("stderr %q does not name %q", stderr.String(), tc.want)
			}
		})
	}
}

// TestBinarySIGTERM starts the binary, proxies a request, sends SIGTERM
// (or SIGUSR1, what Cloud Foundry's drain script sends gorouter) and
// expects a clean exit 0 after the drain period.
func TestBinarySIGTERM(t *testing.T) {
	for _, sig := range []syscall.Signal{syscall.SIGTERM, syscall.SIGUSR1} {
		t.Run(sig.String(), func(t *testing.T) { testBinarySignal(t, sig) })
	}
}

func testBinarySignal(t *testing.T, sig syscall.Signal) {
	bin := skiffBinary(t)
	a := newBackend(t, "a", nil)
	two := deadAddresses(t, 2)
	addr, support := two[0], two[1]
	cmd := exec.Command(bin, "-address", addr, "-support-listener", support,
		"-inline-routes", fmt.Sprintf(`r: * -> %q;`, a.URL),
		"-wait-for-healthcheck-interval", "200ms", "-wait-first-route-load")
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	defer func() {
		if cmd.ProcessState == nil {
			cmd.Process.Kill()
			<-exited
		}
	}()

	client := &http.Client{Transport: &http.Transport{DisableKeepAlives: true}, Timeout: 5 * time.Second}
	var body string
	waitFor(t, func() bool {
		rsp, err := client.Get("http://" + addr + "/x")
		if err != nil {
			return false
		}
		b, _ := io.ReadAll(rsp.Body)
		rsp.Body.Close()
		body = string(b)
		return rsp.StatusCode == 200
	})
	if body != "from a\n" {
		t.Errorf("proxied body %q", body)
	}
	if err := cmd.Process.Signal(sig); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-exited:
		if err != nil {
			t.Errorf("exit: %v; stderr:\n%s", err, stderr.String())
		}
	case <-time.After(10 * time.Second):
		t.Fatalf("no exit 10s after %v", sig)
	}
	log := stderr.String()
	if !strings.Contains(log, `"GET /x HTTP/1.1" 200 7 `) {
		t.Errorf("access log line missing in:\n%s", log)
	}
	if !strings.Contains(log, "shut down") {
		t.Errorf("no shutdown message in:\n%s", log)
	}
}
