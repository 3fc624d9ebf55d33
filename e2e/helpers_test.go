package e2e

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/sirupsen/logrus"

	"github.com/skiff-proxy/skiff"
)

// syncBuffer is a bytes.Buffer safe for the access log writer and the test.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// instance is one running skiff.
type instance struct {
	url        string // proxy base URL
	support    string // support listener base URL
	routesFile string
	access     *syncBuffer
	client     *http.Client
	cancel     context.CancelFunc
	done       chan error
	stopped    bool
}

// start runs skiff.Run with routes (written to a routes file) and o, on
// loopback listeners, and waits for the routes to be loaded. The instance
// is stopped at the end of the test.
func start(t *testing.T, routes string, o skiff.Options) *instance {
	t.Helper()
	in := &instance{access: &syncBuffer{}, done: make(chan error, 1)}
	if routes != "" {
		in.routesFile = filepath.Join(t.TempDir(), "routes.eskip")
		writeFile(t, in.routesFile, routes)
		o.RoutesFiles = append(o.RoutesFiles, in.routesFile)
	}
	ln := listen(t)
	sln := listen(t)
	o.Listener, o.SupportNetListener = ln, sln
	o.WaitFirstRouteLoad = true
	if o.WaitForHealthcheckInterval == 0 {
		o.WaitForHealthcheckInterval = -1
	}
	if o.Log == nil {
		l := logrus.New()
		l.SetOutput(io.Discard)
		o.Log = l
	}
	if o.AccessLogOutput == nil {
		o.AccessLogOutput = in.access
	}
	in.url = "http://" + ln.Addr().String()
	in.support = "http://" + sln.Addr().String()
	if o.TLSCert != "" {
		in.url = "https://" + ln.Addr().String()
	}
	in.client = &http.Client{Transport: &http.Transport{}, Timeout: 10 * time.Second}
	ctx, cancel := context.WithCancel(context.Background())
	in.cancel = cancel
	go func() { in.done <- skiff.Run(ctx, o) }()
	t.Cleanup(func() { in.stop(t) })
	// The support listener answers at once; /routes tells when the routes
	// are in (the proxy listener opens after the first load).
	waitFor(t, func() bool {
		rsp, err := in.client.Get(in.support + "/health")
		if err != nil {
			return false
		}
		rsp.Body.Close()
		return rsp.StatusCode == 200
	})
	return in
}

// stop cancels Run and waits for it to return.
func (in *instance) stop(t *testing.T) error {
	t.Helper()
	if in.stopped {
		return nil
	}
	in.stopped = true
	in.cancel()
	in.client.CloseIdleConnections()
	select {
	case err := <-in.done:
		if err != nil {
			t.Errorf("Run: %v", err)
		}
		return err
	case <-time.After(20 * time.Second):
		t.Fatal("Run did not return after cancel")
		return nil
	}
}

func listen(t testing.TB) net.Listener {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	return ln
}

// writeFile replaces path atomically, as editors and deploy tools do.
func writeFile(t *testing.T, path, content string) {
	t.Helper()
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Rename(tmp, path); err != nil {
		t.Fatal(err)
	}
}

func waitFor(t *testing.T, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatal("condition not met within 10s")
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// response is what a test looks at.
type response struct {
	status int
	header http.Header
	body   string
	proto  string
}

func (in *instance) do(t *testing.T, method, path string, hdr ...string) response {
	t.Helper()
	req, err := http.NewRequest(method, in.url+path, nil)
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i+1 < len(hdr); i += 2 {
		if hdr[i] == "Host" {
			req.Host = hdr[i+1]
			continue
		}
		req.Header.Add(hdr[i], hdr[i+1])
	}
	rsp, err := in.client.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, path, err)
	}
	defer rsp.Body.Close()
	b, err := io.ReadAll(rsp.Body)
	if err != nil {
		t.Fatalf("%s %s: reading body: %v", method, path, err)
	}
	return response{rsp.StatusCode, rsp.Header, string(b), rsp.Proto}
}

func (in *instance) get(t *testing.T, path string, hdr ...string) response {
	t.Helper()
	return in.do(t, "GET", path, hdr...)
}

// backend is an httptest server that names itself in X-Backend, echoes
// what it received, and counts its requests.
type backend struct {
	*httptest.Server
	name string
	hits atomic.Int64
}

func newBackend(t *testing.T, name string, h http.HandlerFunc) *backend {
	t.Helper()
	b := &backend{name: name}
	b.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b.hits.Add(1)
		w.Header().Set("X-Backend", name)
		if h != nil {
			h(w, r)
			return
		}
		w.Header().Set("X-Seen-Host", r.Host)
		w.Header().Set("X-Seen-Path", r.URL.RequestURI())
		for _, v := range r.Header.Values("X-Order") {
			w.Header().Add("X-Seen-Order", v)
		}
		io.WriteString(w, "from "+name+"\n")
	}))
	t.Cleanup(b.Close)
	return b
}

// deadAddress is a loopback address where nothing listens.
func deadAddress(t *testing.T) string {
	t.Helper()
	return deadAddresses(t, 1)[0]
}

// deadAddresses returns n distinct addresses nothing listens on: the
// listeners are all open until the last port is picked, so that the
// system cannot hand out one port twice (a skiff given the same port for
// two listeners fails to start).
func deadAddresses(t *testing.T, n int) []string {
	t.Helper()
	addrs := make([]string, n)
	lns := make([]net.Listener, n)
	for i := range lns {
		lns[i] = listen(t)
		addrs[i] = lns[i].Addr().String()
	}
	for _, ln := range lns {
		ln.Close()
	}
	return addrs
}

func routes(lines ...string) string { return strings.Join(lines, "\n") + "\n" }

// invalidRoutes returns the ids of the instance's invalid routes with
// their errors, from the support listener's /routes?invalid=true.
func invalidRoutes(t *testing.T, in *instance) map[string]string {
	t.Helper()
	req, _ := http.NewRequest("GET", in.support+"/routes?invalid=true", nil)
	req.Header.Set("Accept", "application/json")
	rsp, err := in.client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer rsp.Body.Close()
	var inv []map[string]string
	if err := json.NewDecoder(rsp.Body).Decode(&inv); err != nil {
		t.Fatal(err)
	}
	m := map[string]string{}
	for _, r := range inv {
		m[r["id"]] = r["error"]
	}
	return m
}
