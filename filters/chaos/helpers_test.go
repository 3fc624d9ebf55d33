package chaos

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/skiff-proxy/skiff/filters"
	"github.com/skiff-proxy/skiff/filters/filtertest"
)

// fakeClock records the waits it is asked for and returns at once, moving
// its time forward by each; a done context or closed stop channel makes
// it fail as the real clock would.
type fakeClock struct {
	mu     sync.Mutex
	t      time.Time
	sleeps []time.Duration
}

func newFakeClock() *fakeClock { return &fakeClock{t: time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)} }

func (c *fakeClock) now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *fakeClock) advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

func (c *fakeClock) sleep(ctx context.Context, stop <-chan struct{}, d time.Duration) bool {
	if d <= 0 {
		return true
	}
	select {
	case <-ctx.Done():
		return false
	case <-stop:
		return false
	default:
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	c.sleeps = append(c.sleeps, d)
	c.t = c.t.Add(d)
	return true
}

func (c *fakeClock) waits() []time.Duration {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]time.Duration(nil), c.sleeps...)
}

// fakeRandom returns the values queued in it, then zeros; Int64N returns
// the queued fraction of n.
type fakeRandom struct {
	floats, norms, fracs []float64
}

func pop(q *[]float64) float64 {
	if len(*q) == 0 {
		return 0
	}
	v := (*q)[0]
	*q = (*q)[1:]
	return v
}

func (r *fakeRandom) Float64() float64     { return pop(&r.floats) }
func (r *fakeRandom) NormFloat64() float64 { return pop(&r.norms) }
func (r *fakeRandom) Int64N(n int64) int64 { return int64(pop(&r.fracs) * float64(n)) }

// fakeSpec returns the spec name made with clock c and random r (nil: the
// global one).
func fakeSpec(t testing.TB, name string, c clock, r random) filters.Spec {
	t.Helper()
	if r == nil {
		r = globalRandom{}
	}
	return filtertest.Spec(t, specs(env{clock: c, rand: r}), name)
}

func spec(t testing.TB, name string) filters.Spec {
	t.Helper()
	return filtertest.Spec(t, Specs(), name)
}

func ms(n float64) time.Duration { return time.Duration(n * float64(time.Millisecond)) }

// newCtx is a test context for a request with body (nil: none) and a
// context the test can cancel.
func newCtx(t testing.TB, method, body string) (*filtertest.Context, context.CancelFunc) {
	t.Helper()
	var r io.Reader
	if body != "" {
		r = strings.NewReader(body)
	}
	req := httptest.NewRequest(method, "http://example.org/", r)
	cctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	return filtertest.NewContext(req.WithContext(cctx)), cancel
}

func response(body string) *http.Response {
	return &http.Response{StatusCode: 200, Header: http.Header{}, Body: io.NopCloser(strings.NewReader(body)), ContentLength: int64(len(body))}
}

// readSizes reads r to its end with a large buffer and returns the size
// of each read that returned bytes, and all the bytes.
func readSizes(t testing.TB, r io.Reader) ([]int, string) {
	t.Helper()
	var sizes []int
	var all strings.Builder
	buf := make([]byte, 32<<10)
	for {
		n, err := r.Read(buf)
		if n > 0 {
			sizes = append(sizes, n)
			all.Write(buf[:n])
		}
		if err == io.EOF {
			return sizes, all.String()
		}
		if err != nil {
			t.Fatalf("read: %v", err)
		}
	}
}
