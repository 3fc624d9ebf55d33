package main

import (
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/skiff-proxy/skiff/examples/internal/exampletest"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// TestEndToEnd builds the binary, serves the routes of a catalog
// directory, and changes the directory under the running server: added,
// edited, broken and removed service files take effect without a
// restart.
func TestEndToEnd(t *testing.T) {
	backend := func(name string) *httptest.Server {
		return httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			io.WriteString(w, name+" "+r.URL.Path)
		}))
	}
	blue, green := backend("blue"), backend("green")
	defer blue.Close()
	defer green.Close()

	dir := t.TempDir()
	bin := exampletest.Build(t)
	catalogDir := filepath.Join(dir, "catalog")
	os.Mkdir(catalogDir, 0o755)
	// write replaces a file as a deployment would: a new file renamed
	// over the old one, so that no poll reads it half written.
	write := func(name, json string) {
		t.Helper()
		tmp := filepath.Join(catalogDir, name+".tmp")
		if err := os.WriteFile(tmp, []byte(json), 0o644); err != nil {
			t.Fatal(err)
		}
		if err := os.Rename(tmp, filepath.Join(catalogDir, name)); err != nil {
			t.Fatal(err)
		}
	}
	service := func(path string, backend *httptest.Server) string {
		return fmt.Sprintf(`{"path": %q, "backend": %q}`, path, backend.URL)
	}
	write("orders.json", service("/orders", blue))

	// A bad interval stops the binary before it serves.
	cmd := exec.Command(bin, "-address", exampletest.FreeAddress(t))
	cmd.Env = append(os.Environ(), "CATALOG_DIR="+catalogDir, "CATALOG_POLL_INTERVAL=soon")
	out, err := cmd.CombinedOutput()
	if code := cmd.ProcessState.ExitCode(); code != 2 || !strings.Contains(string(out), "CATALOG_POLL_INTERVAL") {
		t.Errorf("bad interval: exit %d, %v\n%s", code, err, out)
	}

	addr := exampletest.FreeAddress(t)
	cmd = exec.Command(bin, "-address", addr, "-support-listener", "", "-wait-first-route-load",
		"-wait-for-healthcheck-interval", "0", "-access-log-disabled", "-application-log-level", "ERROR")
	cmd.Env = append(os.Environ(), "CATALOG_DIR="+catalogDir, "CATALOG_POLL_INTERVAL=20ms")
	// The log goes to a file, which the test reads while the server
	// writes it.
	logFile, err := os.Create(filepath.Join(dir, "log"))
	if err != nil {
		t.Fatal(err)
	}
	defer logFile.Close()
	cmd.Stderr = logFile
	logged := func() string {
		b, _ := os.ReadFile(logFile.Name())
		return string(b)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	defer func() {
		cmd.Process.Signal(syscall.SIGTERM)
		select {
		case err := <-exited:
			if err != nil {
				t.Errorf("exit: %v\n%s", err, logged())
			}
		case <-time.After(10 * time.Second):
			cmd.Process.Kill()
			<-exited
			t.Error("no exit 10s after SIGTERM")
		}
	}()

	client := &http.Client{Transport: &http.Transport{}, Timeout: 10 * time.Second}
	defer client.CloseIdleConnections()
	get := func(path string) string {
		rsp, err := client.Get("http://" + addr + path)
		if err != nil {
			return err.Error()
		}
		defer rsp.Body.Close()
		if rsp.StatusCode != 200 {
			return rsp.Status
		}
		body, _ := io.ReadAll(rsp.Body)
		return string(body)
	}
	// eventually waits until every path answers as wanted; the catalog
	// is polled every 20ms.
	eventually := func(step string, want map[string]string) {
		t.Helper()
		got := map[string]string{}
		for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(10 * time.Millisecond) {
			same := true
			for path, w := range want {
				got[path] = get(path)
				same = same && got[path] == w
			}
			if same {
				return
			}
		}
		t.Fatalf("%s: got %v, want %v\n%s", step, got, want, logged())
	}

	eventually("start", map[string]string{"/orders/1": "blue /orders/1", "/users": "404 Not Found"})

	write("users.json", service("/users", green))
	eventually("added", map[string]string{"/orders/1": "blue /orders/1", "/users": "green /users"})

	write("orders.json", service("/orders", green))
	eventually("edited", map[string]string{"/orders/1": "green /orders/1", "/users": "green /users"})

	// A broken file keeps its route; the next change still applies.
	write("orders.json", `{"path": "/orders", "backend": `)
	write("users.json", service("/users", blue))
	eventually("broken orders", map[string]string{"/orders/1": "green /orders/1", "/users": "blue /users"})
	if !strings.Contains(logged(), "orders.json: unexpected end of JSON input") {
		t.Errorf("the broken file is not logged:\n%s", logged())
	}

	os.Remove(filepath.Join(catalogDir, "users.json"))
	eventually("removed", map[string]string{"/orders/1": "green /orders/1", "/users": "404 Not Found"})
}
