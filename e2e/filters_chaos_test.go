package e2e

import (
	"context"
	"io"
	"net/http"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/sirupsen/logrus"

	"github.com/skiff-proxy/skiff"
	"github.com/skiff-proxy/skiff/filters/chaos"
)

// chaosStart runs skiff with the chaos filters (registered as custom
// filters, which also replace built-ins of the same names) in front of a
// backend, with the application log in the returned buffer.
func chaosStart(t *testing.T, routeFile string) (*instance, *syncBuffer) {
	t.Helper()
	be := newBackend(t, "be", nil)
	logs := &syncBuffer{}
	l := logrus.New()
	l.SetOutput(logs)
	in := start(t, strings.ReplaceAll(routeFile, "BE", be.URL), skiff.Options{CustomFilters: chaos.Specs(), Log: l})
	return in, logs
}

// TestChaosSkipperRoutes: every example of skipper's reference for these
// filters loads, and the arguments skipper refuses make the route invalid
// with an error that names the filter.
func TestChaosSkipperRoutes(t *testing.T) {
	in, _ := chaosStart(t, routes(
		`latency1: Path("/1") -> latency(120) -> "BE";`,
		`latency2: Path("/2") -> latency("120ms") -> "BE";`,
		`bandwidth: Path("/3") -> bandwidth(30) -> "BE";`,
		`chunks1: Path("/4") -> chunks(1024, "120ms") -> "BE";`,
		`chunks2: Path("/5") -> chunks(1024, "0") -> "BE";`,
		`backendLatency: Path("/6") -> backendLatency(120) -> "BE";`,
		`backendBandwidth: Path("/7") -> backendBandwidth(30) -> "BE";`,
		`backendChunks: Path("/8") -> backendChunks(1024, 120) -> "BE";`,
		`tarpit: Path("/9") -> tarpit("1s") -> <shunt>;`,
		`absorb: Path("/10") -> absorb() -> <shunt>;`,
		`absorbSilent: Path("/11") -> absorbSilent() -> <shunt>;`,
		`uniformRequest: Path("/12") -> uniformRequestLatency("100ms", "10ms") -> "BE";`,
		`normalRequest: Path("/13") -> normalRequestLatency("10ms", "5ms") -> "BE";`,
		`histogramRequest: Path("/14") -> histogramRequestLatency("0ms", 50, "5ms", 0, "10ms", 30, "15ms", 20, "20ms") -> "BE";`,
		`uniformResponse: Path("/15") -> uniformResponseLatency("100ms", "10ms") -> "BE";`,
		`normalResponse: Path("/16") -> normalResponseLatency("10ms", "5ms") -> "BE";`,
		`histogramResponse: Path("/17") -> histogramResponseLatency("0ms", 1, "1ms", 3, "2ms") -> "BE";`,
		`badLatency: Path("/b1") -> latency(-1) -> "BE";`,
		`badBandwidth: Path("/b2") -> bandwidth(0) -> "BE";`,
		`badChunks: Path("/b3") -> chunks(0, 2) -> "BE";`,
		`badTarpit: Path("/b4") -> tarpit(10) -> <shunt>;`,
		`badJitter: Path("/b5") -> uniformRequestLatency("1s", "1s", 0.4) -> "BE";`,
		`badHistogram: Path("/b6") -> histogramResponseLatency("0ms", 1, "0ms") -> "BE";`,
	))
	inv := invalidRoutes(t, in)
	var ids []string
	for id := range inv {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	want := []string{"badBandwidth", "badChunks", "badHistogram", "badJitter", "badLatency", "badTarpit"}
	if strings.Join(ids, " ") != strings.Join(want, " ") {
		t.Fatalf("invalid routes %v, want %v", inv, want)
	}
	for id, filter := range map[string]string{"badLatency": "latency: ", "badBandwidth": "bandwidth: ", "badChunks": "chunks: ",
		"badTarpit": "tarpit: ", "badJitter": "uniformRequestLatency: ", "badHistogram": "histogramResponseLatency: "} {
		if !strings.Contains(inv[id], filter) {
			t.Errorf("%s: error %q does not name the filter", id, inv[id])
		}
	}
	if r := in.get(t, "/2"); r.status != 200 || r.body != "from be\n" {
		t.Errorf("latency route: %d %q", r.status, r.body)
	}
}

// TestChaosLatency: latency(200) answers after 200ms or more, and well
// within 2s.
func TestChaosLatency(t *testing.T) {
	in, _ := chaosStart(t, routes(
		`latency: Path("/latency") -> latency(200) -> "BE";`,
		`backendLatency: Path("/backend-latency") -> backendLatency("200ms") -> "BE";`,
		`histogram: Path("/histogram") -> histogramRequestLatency("200ms", 1, "300ms") -> "BE";`,
	))
	for _, path := range []string{"/latency", "/backend-latency", "/histogram"} {
		start := time.Now()
		r := in.get(t, path)
		if d := time.Since(start); r.status != 200 || r.body != "from be\n" || d < 200*time.Millisecond || d > 2*time.Second {
			t.Errorf("%s: %d %q after %v, want 200 from the backend after 200ms to 2s", path, r.status, r.body, d)
		}
	}
}

// TestChaosClientGone: a client that gives up on latency("10s") or on a
// tarpit ends the request in the proxy at once, not 10s later.
func TestChaosClientGone(t *testing.T) {
	in, _ := chaosStart(t, routes(
		`latency: Path("/latency") -> latency("10s") -> "BE";`,
		`tarpit: Path("/tarpit") -> tarpit("50ms") -> <shunt>;`,
	))
	ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, "GET", in.url+"/latency", nil)
	start := time.Now()
	if rsp, err := in.client.Do(req); err == nil {
		rsp.Body.Close()
		t.Fatalf("answered %d after %v", rsp.StatusCode, time.Since(start))
	}

	// the tarpit answers at once and trickles spaces
	start = time.Now()
	rsp, err := in.client.Get(in.url + "/tarpit")
	if err != nil {
		t.Fatal(err)
	}
	buf := make([]byte, 3)
	if _, err := io.ReadFull(rsp.Body, buf); rsp.StatusCode != 200 || err != nil || string(buf) != "   " {
		t.Errorf("tarpit: %d %q %v", rsp.StatusCode, buf, err)
	}
	if d := time.Since(start); d < 150*time.Millisecond || d > 3*time.Second {
		t.Errorf("three spaces of a 50ms tarpit after %v", d)
	}
	rsp.Body.Close()
	in.client.CloseIdleConnections()

	// both requests are in the access log once they ended
	deadline := time.Now().Add(5 * time.Second)
	for !strings.Contains(in.access.String(), "/latency") || !strings.Contains(in.access.String(), "/tarpit") {
		if time.Now().After(deadline) {
			t.Fatalf("requests still served 5s after their clients left; access log:\n%s", in.access.String())
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// TestChaosAbsorb: absorb swallows a 1 MiB upload, answers 200 without
// calling the backend and logs what it read.
func TestChaosAbsorb(t *testing.T) {
	in, logs := chaosStart(t, routes(`absorb: Path("/absorb") -> absorb() -> "BE";`))
	req, _ := http.NewRequest("POST", in.url+"/absorb", strings.NewReader(strings.Repeat("a", 1<<20)))
	req.Header.Set("X-Flow-Id", "e2eabsorbflow")
	rsp, err := in.client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(rsp.Body)
	rsp.Body.Close()
	if rsp.StatusCode != 200 || len(b) != 0 || rsp.Header.Get("X-Backend") != "" {
		t.Errorf("%d %q %v", rsp.StatusCode, b, rsp.Header)
	}
	for _, want := range []string{"received request to be absorbed: e2eabsorbflow", "request e2eabsorbflow, consumed bytes: 1048576", "request finished: e2eabsorbflow"} {
		if !strings.Contains(logs.String(), want) {
			t.Errorf("log lacks %q:\n%s", want, logs.String())
		}
	}
}
