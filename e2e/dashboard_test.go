package e2e

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/skiff-proxy/skiff"
)

// chromium finds the browser. Under CI (the variable CI set) a missing
// browser fails the test: .ci/run installs it. Elsewhere the test is
// skipped, saying why. SKIFF_CHROMIUM names the browser's binary.
func chromium(t *testing.T) string {
	t.Helper()
	names := []string{"chromium", "chromium-browser", "google-chrome", "google-chrome-stable", "headless_shell"}
	if p := os.Getenv("SKIFF_CHROMIUM"); p != "" {
		names = []string{p}
	}
	for _, n := range names {
		if p, err := exec.LookPath(n); err == nil {
			return p
		}
	}
	msg := fmt.Sprintf("no Chromium found (looked for %s): install it with `apt-get install -y chromium`, or name it in SKIFF_CHROMIUM", strings.Join(names, ", "))
	if os.Getenv("CI") != "" {
		t.Fatal(msg)
	}
	t.Skip(msg)
	return ""
}

// browser starts a headless Chromium for the test and returns its tab's
// context, and the console messages of its pages so far; both end with
// the test.
func browser(t *testing.T, path string) (context.Context, func() []string) {
	t.Helper()
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(path),
		chromedp.NoSandbox, // tests run as root in CI
		chromedp.DisableGPU,
		chromedp.WindowSize(1440, 1000),
		chromedp.UserDataDir(t.TempDir()),
	)
	actx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancel := chromedp.NewContext(actx, chromedp.WithLogf(t.Logf))
	var mu sync.Mutex
	var messages []string
	done := make(chan struct{})
	console := chromedp.Console(ctx) // starts the browser
	go func() {
		defer close(done)
		for m, err := range console {
			if err != nil {
				return
			}
			mu.Lock()
			messages = append(messages, m.String())
			mu.Unlock()
		}
	}()
	t.Cleanup(func() {
		cancel()
		cancelAlloc()
		<-done
	})
	return ctx, func() []string {
		mu.Lock()
		defer mu.Unlock()
		return slices.Clone(messages)
	}
}

// getURL gets an absolute URL with the instance's client.
func (in *instance) getURL(t *testing.T, url string) response {
	t.Helper()
	rsp, err := in.client.Get(url)
	if err != nil {
		t.Fatalf("GET %s: %v", url, err)
	}
	defer rsp.Body.Close()
	b, _ := io.ReadAll(rsp.Body)
	return response{status: rsp.StatusCode, header: rsp.Header, body: string(b), proto: rsp.Proto}
}

// run runs steps within timeout, failing the test with what was asked.
func run(t *testing.T, ctx context.Context, timeout time.Duration, what string, steps ...chromedp.Action[chromedp.Void]) {
	t.Helper()
	sctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	if err := chromedp.Do(sctx, steps...); err != nil {
		t.Fatalf("%s: %v", what, err)
	}
}

func eval[T any](t *testing.T, ctx context.Context, js string) T {
	t.Helper()
	sctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	v, err := chromedp.Run(sctx, chromedp.Evaluate[T](js))
	if err != nil {
		t.Fatalf("%s: %v", js, err)
	}
	return v
}

// screenshot writes the page to the test's artifact folder (kept with
// go test -artifacts -outputdir DIR) and logs where.
func screenshot(t *testing.T, ctx context.Context, name string) {
	t.Helper()
	sctx, cancel := context.WithTimeout(ctx, 20*time.Second)
	defer cancel()
	png, err := chromedp.Run(sctx, chromedp.FullScreenshot(100))
	if err != nil {
		t.Fatalf("screenshot %s: %v", name, err)
	}
	path := filepath.Join(t.ArtifactDir(), name)
	if err := os.WriteFile(path, png, 0o644); err != nil {
		t.Fatal(err)
	}
	t.Logf("screenshot: %s (%d bytes)", path, len(png))
}

// TestDashboardInBrowser opens /dashboard of a running skiff in Chromium:
// the page loads without console errors, lists the routes of the file and
// the invalid one, shows an endpoint turning dead when its backend stops
// and healthy when it is back, and explains a request.
func TestDashboardInBrowser(t *testing.T) {
	path := chromium(t)
	api := newBackend(t, "api", nil)
	b0 := newRestartable(t, "b0", nil)
	b1 := newRestartable(t, "b1", nil)
	in := start(t, routes(
		fmt.Sprintf(`api: Path("/api/:id") && Method("GET") -> %q;`, api.URL),
		fmt.Sprintf(`api_write: Path("/api/:id") && Method("POST") -> %q;`, api.URL),
		`home: Path("/") -> status(204) -> <shunt>;`,
		fmt.Sprintf(`pool: PathSubtree("/pool") -> <roundRobin, "http://%s", "http://%s">;`, b0.addr, b1.addr),
		`broken: Path("/broken") -> noSuchFilter() -> <shunt>;`,
		`fail: Path("/fail") -> status(503) -> <shunt>;`,
	), skiff.Options{LBHealthcheckInterval: 200 * time.Millisecond, LBHealthcheckPath: "/probe"})
	for range 5 {
		in.get(t, "/pool/x")
		in.get(t, "/api/1")
		in.get(t, "/fail")
	}

	board := in.support + "/dashboard/"
	if r := in.getURL(t, board); r.status != 200 || !strings.Contains(r.body, "app.js") {
		t.Fatalf("GET %s: %d %.200s (is admin.Options.Dashboard set in skiff.Run?)", board, r.status, r.body)
	}
	ctx, console := browser(t, path)

	// The routes of the file, in id order, with their data client and
	// position; the invalid one is not among them.
	run(t, ctx, 30*time.Second, "routes tab",
		chromedp.Navigate(board+"#routes"),
		chromedp.WaitVisible(chromedp.CSS(`#routes-table tr[data-route="pool"]`)))
	ids := eval[[]string](t, ctx, `[...document.querySelectorAll("#routes-table tr[data-route]")].map(e => e.dataset.route)`)
	if want := []string{"api", "api_write", "fail", "home", "pool"}; !slices.Equal(ids, want) {
		t.Errorf("routes shown: %v, want %v", ids, want)
	}
	row := eval[string](t, ctx, `document.querySelector('#routes-table tr[data-route="api_write"]').innerText`)
	for _, want := range []string{"file:", "routes.eskip:2:1", `Method("POST")`, "network"} {
		if !strings.Contains(row, want) {
			t.Errorf("row of api_write %q lacks %q", row, want)
		}
	}
	// A long data client name is cut in the middle; the tooltips have it
	// whole, and the position's whole path.
	tips := eval[[]string](t, ctx, `[...document.querySelectorAll('#routes-table tr[data-route="api_write"] [title]')].map(e => e.title)`)
	for _, want := range []string{"file:" + in.routesFile, in.routesFile + ":2:1"} {
		if !slices.Contains(tips, want) {
			t.Errorf("tooltips of api_write %q lack %q", tips, want)
		}
	}
	if got := eval[string](t, ctx, `document.querySelector('#routes-table tr[data-route="pool"]').innerText`); !strings.Contains(got, "2/2 healthy") {
		t.Errorf("row of pool: %q", got)
	}

	// The search is the server's.
	run(t, ctx, 10*time.Second, "search",
		chromedp.SendKeys(chromedp.ID("routes-q"), "method(\"post"),
		chromedp.WaitNotPresent(chromedp.CSS(`#routes-table tr[data-route="api"]`)),
		chromedp.WaitVisible(chromedp.CSS(`#routes-table tr[data-route="api_write"]`)))

	run(t, ctx, 10*time.Second, "invalid tab",
		chromedp.Navigate(board+"#invalid"),
		chromedp.WaitVisible(chromedp.CSS(`#invalid-table tr[data-invalid="broken"]`)))
	if got := eval[string](t, ctx, `document.querySelector('#invalid-table tr[data-invalid="broken"]').innerText`); !strings.Contains(got, "noSuchFilter") || !strings.Contains(got, "routes.eskip:5:1") {
		t.Errorf("invalid row: %q", got)
	}

	// An endpoint whose backend stops turns dead, and healthy when it is
	// back: the page refreshes by itself.
	b1sel := fmt.Sprintf(`#endpoints-table tr[data-endpoint="http://%s"]`, b1.addr)
	run(t, ctx, 10*time.Second, "endpoints tab",
		chromedp.Navigate(board+"#endpoints"),
		chromedp.WaitVisible(chromedp.CSS(b1sel+`[data-state="healthy"]`)))
	b1.stop()
	stopped := time.Now()
	run(t, ctx, 20*time.Second, "endpoint turning dead",
		chromedp.WaitVisible(chromedp.CSS(b1sel+`[data-state="dead"]`)))
	t.Logf("dead on the page %s after the backend stopped", time.Since(stopped).Round(time.Millisecond))
	// The rates come from the metrics, sampled every 5 s: the second
	// sample has the requests sent above.
	run(t, ctx, 20*time.Second, "overview with rates", chromedp.Navigate(board+"#overview"),
		chromedp.WaitVisible(chromedp.CSS(`#unhealthy table`)),
		chromedp.WaitVisible(chromedp.CSS(`#busiest tr[data-route="api"]`)),
		chromedp.WaitVisible(chromedp.CSS(`#failing tr[data-route="fail"]`)),
		chromedp.WaitVisible(chromedp.CSS(`#chart-rps polyline`)))
	if got := eval[string](t, ctx, `document.getElementById("unhealthy").innerText`); !strings.Contains(got, b1.addr) || !strings.Contains(got, "dead") {
		t.Errorf("overview's endpoints not healthy: %q", got)
	}
	screenshot(t, ctx, "dashboard-overview.png")
	run(t, ctx, 10*time.Second, "endpoints tab again", chromedp.Navigate(board+"#endpoints"),
		chromedp.WaitVisible(chromedp.CSS(b1sel+`[data-state="dead"]`)))
	screenshot(t, ctx, "dashboard-endpoints.png")
	b1.restart(t)
	restarted := time.Now()
	run(t, ctx, 20*time.Second, "endpoint healthy again",
		chromedp.WaitVisible(chromedp.CSS(b1sel+`[data-state="healthy"]`)))
	t.Logf("healthy on the page %s after the backend came back", time.Since(restarted).Round(time.Millisecond))

	// Explain: which route a POST takes, and why GET's route lost.
	run(t, ctx, 10*time.Second, "explain",
		chromedp.Navigate(board+"#explain"),
		chromedp.WaitVisible(chromedp.ID("ex-url")),
		chromedp.SetValue(chromedp.ID("ex-method"), "POST"),
		chromedp.SendKeys(chromedp.ID("ex-url"), "/api/42"),
		chromedp.SendKeys(chromedp.ID("ex-headers"), "X-Trace: 1"),
		chromedp.Click(chromedp.ID("ex-submit")),
		chromedp.WaitVisible(chromedp.CSS(`#explain-winner[data-route="api_write"]`)))
	lost := eval[string](t, ctx, `document.querySelector('#explain-verdicts tr[data-verdict="api"]').innerText`)
	if !strings.Contains(lost, "failed") || !strings.Contains(lost, `Method("GET")`) || !strings.Contains(lost, "method is POST") {
		t.Errorf("verdict of api: %q", lost)
	}
	if got := eval[string](t, ctx, `document.getElementById("explain-winner").innerText`); !strings.Contains(got, "id=42") {
		t.Errorf("winner: %q", got)
	}
	screenshot(t, ctx, "dashboard-explain.png")

	// The explain form's state is in the address: a reload answers again.
	run(t, ctx, 10*time.Second, "explain from the address",
		chromedp.Reload(),
		chromedp.WaitVisible(chromedp.CSS(`#explain-winner[data-route="api_write"]`)))

	for _, m := range console() {
		if strings.HasPrefix(m, "error") || strings.HasPrefix(m, "exception") {
			t.Errorf("console: %s", m)
		} else {
			t.Logf("console: %s", m)
		}
	}
}
