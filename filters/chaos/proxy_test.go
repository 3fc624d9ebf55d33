package chaos_test

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/sirupsen/logrus"

	"github.com/skiff-proxy/skiff/filters/chaos"
	"github.com/skiff-proxy/skiff/filters/status"
	"github.com/skiff-proxy/skiff/proxy"
	"github.com/skiff-proxy/skiff/proxy/proxytest"
)

// entries passes the access log entries to the test.
type entries chan proxy.AccessEntry

func (e entries) Log(x proxy.AccessEntry) {
	select {
	case e <- x:
	default:
	}
}

// lockedBuffer is the proxy's log output.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// rig is a proxy with the chaos filters in front of a backend that
// answers /data?n=N with N bytes of known length and reads any request
// body, noting when the request came and when its body was read.
type rig struct {
	url     string
	client  *http.Client
	log     *lockedBuffer
	access  entries
	mu      sync.Mutex
	arrived time.Time // the backend's last request came
	read    time.Time // and its body was read
	got     int       // bytes
}

func (r *rig) backendTimes() (arrived, read time.Time, n int) {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.arrived, r.read, r.got
}

func newRig(t *testing.T, routes string) *rig {
	t.Helper()
	r := &rig{log: &lockedBuffer{}, access: make(entries, 100)}
	be := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		arrived := time.Now()
		n, _ := io.Copy(io.Discard, req.Body)
		r.mu.Lock()
		r.arrived, r.read, r.got = arrived, time.Now(), int(n)
		r.mu.Unlock()
		size, _ := strconv.Atoi(req.URL.Query().Get("n"))
		w.Header().Set("Content-Length", strconv.Itoa(size))
		w.Write(bytes.Repeat([]byte("d"), size))
	}))
	t.Cleanup(be.Close)
	log := logrus.New()
	log.SetOutput(r.log)
	srv := proxytest.Serve(t, strings.ReplaceAll(routes, "BE", be.URL), proxytest.Options{
		Filters: append(chaos.Specs(), status.Specs()...),
		Proxy:   proxy.Options{Log: log, AccessLog: r.access},
	})
	r.url = srv.URL
	r.client = &http.Client{Timeout: 10 * time.Second}
	t.Cleanup(r.client.CloseIdleConnections)
	return r
}

// timedBody is a client's view of a response: when the header came, when
// the first and the last byte of the body came, and the body.
type timedBody struct {
	status             int
	header             http.Header
	head, first, last  time.Duration
	body               string
	contentLengthField int64
	reads              int // reads that returned bytes
}

func (r *rig) do(t *testing.T, method, path string, body []byte) timedBody {
	t.Helper()
	var rd io.Reader
	if body != nil {
		rd = bytes.NewReader(body)
	}
	req, err := http.NewRequest(method, r.url+path, rd)
	if err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	rsp, err := r.client.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, path, err)
	}
	defer rsp.Body.Close()
	tb := timedBody{status: rsp.StatusCode, header: rsp.Header, head: time.Since(start), contentLengthField: rsp.ContentLength}
	var all bytes.Buffer
	buf := make([]byte, 64<<10)
	for {
		n, err := rsp.Body.Read(buf)
		if n > 0 {
			if all.Len() == 0 {
				tb.first = time.Since(start)
			}
			all.Write(buf[:n])
			tb.last = time.Since(start)
			tb.reads++
		}
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatalf("%s %s: reading body: %v", method, path, err)
		}
	}
	tb.body = all.String()
	return tb
}

// The bounds below hold on a slow, busy machine: a wait never ends early,
// so the lower bounds are exact; the upper bounds leave seconds of room
// and still fail a filter that waits far too long or not at all.

func TestLatencyThroughProxy(t *testing.T) {
	r := newRig(t, `
		latency: Path("/latency") -> latency(200) -> "BE";
		latencyString: Path("/latency-string") -> latency("200ms") -> "BE";
		uniform: Path("/uniform") -> uniformResponseLatency("200ms", "0ms") -> "BE";
		normal: Path("/normal") -> normalRequestLatency("200ms", "0ms") -> "BE";
		histogram: Path("/histogram") -> histogramResponseLatency("200ms", 1, "210ms") -> "BE";
		histogramRequest: Path("/histogram-request") -> histogramRequestLatency("200ms", 1, "210ms") -> "BE";
		backendLatency: Path("/backend-latency") -> backendLatency("200ms") -> "BE";
		zero: Path("/zero") -> latency(0) -> backendLatency(0) -> "BE";
	`)
	for _, path := range []string{"/latency", "/latency-string", "/uniform", "/normal", "/histogram", "/histogram-request", "/backend-latency"} {
		t.Run(path, func(t *testing.T) {
			start := time.Now()
			got := r.do(t, "GET", path+"?n=10", nil)
			if got.status != 200 || got.body != "dddddddddd" {
				t.Fatalf("%d %q", got.status, got.body)
			}
			if got.head < 200*time.Millisecond || got.last > 2*time.Second {
				t.Errorf("answer after %v, body done after %v, want 200ms to 2s", got.head, got.last)
			}
			arrived, _, _ := r.backendTimes()
			late := arrived.Sub(start)
			if path == "/backend-latency" || path == "/normal" || path == "/histogram-request" {
				// the wait was before the backend call
				if late < 200*time.Millisecond {
					t.Errorf("backend called after %v, want 200ms or more", late)
				}
			} else if late > got.head-150*time.Millisecond {
				t.Errorf("backend called after %v, answer after %v: the wait was not after the backend", late, got.head)
			}
		})
	}
	if got := r.do(t, "GET", "/zero?n=3", nil); got.status != 200 || got.body != "ddd" || got.last > 2*time.Second {
		t.Errorf("zero latency: %d %q after %v", got.status, got.body, got.last)
	}
}

func TestThrottleThroughProxy(t *testing.T) {
	r := newRig(t, `
		bandwidth: Path("/bandwidth") -> bandwidth(8) -> "BE";
		fast: Path("/fast") -> bandwidth(1000000) -> "BE";
		chunks: Path("/chunks") -> chunks(256, "150ms") -> "BE";
		backendBandwidth: Path("/backend-bandwidth") -> backendBandwidth(8) -> "BE";
		backendChunks: Path("/backend-chunks") -> backendChunks(1024, 100) -> "BE";
	`)

	t.Run("bandwidth", func(t *testing.T) {
		// 4 KiB at 8 KiB/s: half a second
		got := r.do(t, "GET", "/bandwidth?n=4096", nil)
		if got.status != 200 || len(got.body) != 4096 || got.contentLengthField != 4096 {
			t.Fatalf("%d, %d bytes, Content-Length %d", got.status, len(got.body), got.contentLengthField)
		}
		if got.last < 500*time.Millisecond || got.last > 3*time.Second {
			t.Errorf("body done after %v, want 500ms to 3s", got.last)
		}
		// streamed: the first bytes come well before the last, and in
		// pieces (net/http would hold them back in its buffers if the
		// proxy did not flush each)
		if got.last-got.first < 300*time.Millisecond || got.reads < 4 {
			t.Errorf("first bytes after %v, last after %v, in %d reads: not streamed", got.first, got.last, got.reads)
		}
	})

	t.Run("fast", func(t *testing.T) {
		got := r.do(t, "GET", "/fast?n=1000000", nil)
		if got.status != 200 || len(got.body) != 1000000 || got.last > 2*time.Second {
			t.Errorf("%d, %d bytes after %v", got.status, len(got.body), got.last)
		}
	})

	t.Run("chunks", func(t *testing.T) {
		// a pause before each of the four chunks
		got := r.do(t, "GET", "/chunks?n=1024", nil)
		if got.status != 200 || len(got.body) != 1024 || got.contentLengthField != 1024 {
			t.Fatalf("%d, %d bytes, Content-Length %d", got.status, len(got.body), got.contentLengthField)
		}
		if got.head < 150*time.Millisecond || got.last < 600*time.Millisecond || got.last > 3*time.Second {
			t.Errorf("header after %v, body done after %v; want ≥150ms and 600ms to 3s", got.head, got.last)
		}
		// each chunk on its own (a client stalled for 150ms may see two
		// at once)
		if got.last-got.first < 300*time.Millisecond || got.reads < 3 {
			t.Errorf("first chunk after %v, last after %v, in %d reads: not streamed", got.first, got.last, got.reads)
		}
	})

	for _, path := range []string{"/backend-bandwidth", "/backend-chunks"} {
		t.Run(path, func(t *testing.T) {
			// 4 KiB to the backend: at 8 KiB/s, or in four chunks with a
			// pause of 100ms before each: 400ms or more either way
			body := bytes.Repeat([]byte("u"), 4096)
			start := time.Now()
			got := r.do(t, "POST", path+"?n=2", body)
			_, read, n := r.backendTimes()
			if got.status != 200 || got.body != "dd" || n != 4096 {
				t.Fatalf("%d %q, backend read %d bytes", got.status, got.body, n)
			}
			if d := read.Sub(start); d < 400*time.Millisecond || d > 3*time.Second {
				t.Errorf("backend had the body after %v, want 400ms to 3s", d)
			}
			if got.last > 3*time.Second {
				t.Errorf("answer after %v", got.last)
			}
		})
	}
}

// TestClientGone: a client that gives up ends the proxy's wait, whatever
// the filter waits in. The request-phase waits are tried with requests
// without body: net/http notices a client leaving (and ends the request's
// context) only once the request body has been read.
func TestClientGone(t *testing.T) {
	r := newRig(t, `
		latency: Path("/latency") -> latency("10s") -> "BE";
		backendLatency: Path("/backend-latency") -> backendLatency("10s") -> "BE";
		jitter: Path("/jitter") -> uniformRequestLatency("10s", "1s") -> "BE";
		histogram: Path("/histogram") -> histogramResponseLatency("10s", 1, "11s") -> "BE";
		bandwidth: Path("/bandwidth") -> bandwidth(0.01) -> "BE";
		chunks: Path("/chunks") -> chunks(1, "10s") -> "BE";
		backendChunks: Path("/backend-chunks") -> backendChunks(1, "10s") -> "BE";
		tarpit: Path("/tarpit") -> tarpit("10s") -> <shunt>;
	`)
	for _, path := range []string{"/latency", "/backend-latency", "/jitter", "/histogram", "/bandwidth", "/chunks", "/backend-chunks", "/tarpit"} {
		t.Run(path, func(t *testing.T) {
			ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
			defer cancel()
			req, _ := http.NewRequestWithContext(ctx, "POST", r.url+path+"?n=100", strings.NewReader("some body"))
			switch path {
			case "/backend-latency", "/jitter", "/backend-chunks":
				req, _ = http.NewRequestWithContext(ctx, "GET", r.url+path+"?n=100", nil)
			}
			start := time.Now()
			if rsp, err := r.client.Do(req); err == nil {
				_, err = io.ReadAll(rsp.Body)
				rsp.Body.Close()
				if err == nil {
					t.Fatalf("response complete after %v", time.Since(start))
				}
			}
			select {
			case e := <-r.access:
				if e.URI != path+"?n=100" {
					t.Errorf("access log for %s", e.URI)
				}
				if e.Duration > 3*time.Second {
					t.Errorf("the proxy served for %v after the client left at 300ms", e.Duration)
				}
			case <-time.After(5 * time.Second):
				t.Fatal("the proxy still serves 5s after the client left")
			}
		})
	}
}

func TestTarpitThroughProxy(t *testing.T) {
	r := newRig(t, `tarpit: * -> tarpit("50ms") -> "BE";`)
	start := time.Now()
	rsp, err := r.client.Get(r.url + "/")
	if err != nil {
		t.Fatal(err)
	}
	if head := time.Since(start); rsp.StatusCode != 200 || head > 2*time.Second {
		t.Errorf("status %d after %v", rsp.StatusCode, head)
	}
	buf := make([]byte, 3)
	if _, err := io.ReadFull(rsp.Body, buf); err != nil || string(buf) != "   " {
		t.Fatalf("read %q: %v", buf, err)
	}
	if d := time.Since(start); d < 150*time.Millisecond || d > 3*time.Second {
		t.Errorf("three spaces after %v, want 150ms to 3s", d)
	}
	rsp.Body.Close()
	if _, _, n := r.backendTimes(); n != 0 {
		t.Error("the backend was called")
	}
	select {
	case <-r.access:
	case <-time.After(5 * time.Second):
		t.Fatal("tarpit goes on after the client closed the response")
	}
}

func TestAbsorbThroughProxy(t *testing.T) {
	r := newRig(t, `
		absorb: Path("/absorb") -> absorb() -> "BE";
		silent: Path("/silent") -> absorbSilent() -> <shunt>;
	`)
	body := bytes.Repeat([]byte("a"), 1<<20)
	for _, path := range []string{"/absorb", "/silent"} {
		req, _ := http.NewRequest("POST", r.url+path, bytes.NewReader(body))
		req.Header.Set("X-Flow-Id", "flow"+path[1:])
		rsp, err := r.client.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(rsp.Body)
		rsp.Body.Close()
		if rsp.StatusCode != 200 || len(b) != 0 {
			t.Errorf("%s: %d %q", path, rsp.StatusCode, b)
		}
	}
	if _, _, n := r.backendTimes(); n != 0 {
		t.Error("the backend was called")
	}
	log := r.log.String()
	for _, want := range []string{
		"received request to be absorbed: flowabsorb",
		"request flowabsorb, consumed bytes: 1048576",
		"request finished: flowabsorb",
	} {
		if !strings.Contains(log, want) {
			t.Errorf("log lacks %q:\n%s", want, log)
		}
	}
	if strings.Contains(log, "flowsilent") {
		t.Errorf("absorbSilent logged:\n%s", log)
	}
}
