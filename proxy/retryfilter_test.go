package proxy

import (
	"io"
	"net"
	"net/http"
	"strings"
	"sync"
	"testing"

	"github.com/skiff-proxy/skiff/filters"
)

// retryAll is a RetryFilter that wants another attempt while fewer than
// max were made, and records what it was told.
type retryAll struct {
	funcFilter
	max int
	mu  *sync.Mutex
	got *[]int
}

func (r retryAll) AttemptFailed(_ filters.FilterContext, _ string, n int, err error) bool {
	r.mu.Lock()
	*r.got = append(*r.got, n)
	r.mu.Unlock()
	return err != nil && n < r.max
}

// hangUp is a backend that reads the request and closes the connection
// without answering (EOF for the proxy), counting the requests it got.
func hangUp(t *testing.T) (addr string, hits func() int) {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	n := 0
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			buf := make([]byte, 4096)
			_, _ = c.Read(buf)
			mu.Lock()
			n++
			mu.Unlock()
			c.Close()
		}
	}()
	t.Cleanup(func() { l.Close() })
	return "http://" + l.Addr().String(), func() int { mu.Lock(); defer mu.Unlock(); return n }
}

// A RetryFilter decides, within the proxy's rules: attempts go to
// endpoints that have not failed yet, stop at the filter's budget or
// when every endpoint failed, and never resend a body that was read.
func TestRetryFilter(t *testing.T) {
	var seenMu sync.Mutex
	var okHits int
	good := backend(t, func(w http.ResponseWriter, r *http.Request) {
		seenMu.Lock()
		okHits++
		seenMu.Unlock()
	})
	for _, tc := range []struct {
		name       string
		bad        int
		withGood   bool
		max        int
		body       bool
		wantStatus int
		wantCalls  []int
	}{
		// Round robin starts anywhere: the good endpoint may come first.
		{"three hang up, budget 4: the fourth endpoint answers", 3, true, 4, false, 200, nil},
		{"budget 2 spent", 3, false, 2, false, 500, []int{1, 2}},
		{"every endpoint failed before the budget", 2, false, 10, false, 500, []int{1, 2}},
		// The backend reads some and hangs up: the proxy's write fails.
		{"a read body is not sent again", 2, false, 10, true, 503, []int{1}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var mu sync.Mutex
			var calls []int
			reg := testRegistry()
			reg.Register(testSpec{"retryAll", func([]any) filters.Filter {
				return retryAll{max: tc.max, mu: &mu, got: &calls}
			}})
			var eps []string
			var hits []func() int
			for range tc.bad {
				a, h := hangUp(t)
				eps, hits = append(eps, a), append(hits, h)
			}
			if tc.withGood {
				eps = append(eps, good.URL)
			}
			r := lbRoute("lb", "/", eps...)
			r.Filters = append(r.Filters, f("retryAll"))
			fx := startProxyReg(t, reg, Options{}, r)
			seenMu.Lock()
			okHits = 0
			seenMu.Unlock()
			var body io.Reader
			method := "GET"
			if tc.body {
				// Streamed (unknown length, larger than what is buffered).
				method, body = "POST", io.MultiReader(strings.NewReader(strings.Repeat("b", 1<<20)))
			}
			rsp, _ := do(t, mustReq(t, method, fx.url("/"), body))
			if rsp.StatusCode != tc.wantStatus {
				t.Errorf("status %d, want %d", rsp.StatusCode, tc.wantStatus)
			}
			mu.Lock()
			defer mu.Unlock()
			want := tc.wantCalls
			if want == nil {
				for i := range calls {
					want = append(want, i+1)
				}
			}
			if !equalInts(calls, want) {
				t.Errorf("filter told of attempts %v, want %v", calls, tc.wantCalls)
			}
			total := 0
			for _, h := range hits {
				if h() > 1 {
					t.Errorf("an endpoint got %d attempts of one request", h())
				}
				total += h()
			}
			if total != len(want) {
				t.Errorf("%d failed attempts reached backends, want %d", total, len(want))
			}
		})
	}
}

func equalInts(a, b []int) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}
