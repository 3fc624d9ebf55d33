package h1

import (
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"golang.org/x/net/http2"
	"golang.org/x/net/http2/h2c"
)

// h1StallingBody answers with a header announcing more than it sends, then
// sends nothing until the request ends.
func h1StallingBody(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Length", "100")
	io.WriteString(w, "start")
	w.(http.Flusher).Flush()
	select {
	case <-r.Context().Done():
	case <-time.After(5 * time.Second):
	}
}

// h1Trickling sends one byte every period, for n periods.
func h1Trickling(period time.Duration, n int) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Length", itoa(n))
		w.WriteHeader(200)
		for range n {
			w.Write([]byte{'x'})
			w.(http.Flusher).Flush()
			select {
			case <-r.Context().Done():
				return
			case <-time.After(period):
			}
		}
	}
}

func h1IsTimeout(err error) bool {
	var ne net.Error
	return errors.As(err, &ne) && ne.Timeout()
}

func TestH1ClientReadIdle(t *testing.T) {
	s, _ := countingServer(t, h1StallingBody)
	cfg := testConfig()
	cfg.ReadIdleTimeout, cfg.MaxIdlePerHost = 100*time.Millisecond, 0
	c := NewClient(cfg)
	defer c.Close()
	rsp, err := c.RoundTrip(clientReq(t, context.Background(), "GET", s.URL, nil))
	if err != nil {
		t.Fatal(err)
	}
	defer rsp.Body.Close()
	start := time.Now()
	b, err := io.ReadAll(rsp.Body)
	if !h1IsTimeout(err) || string(b) != "start" {
		t.Fatalf("read %q, %v; want the start and a timeout", b, err)
	}
	if d := time.Since(start); d < 80*time.Millisecond || d > 2*time.Second {
		t.Errorf("gave up after %v, want about 100ms", d)
	}
}

// The idle timeout bounds each wait, not the whole body.
func TestH1ClientReadIdleIsPerRead(t *testing.T) {
	s, _ := countingServer(t, h1Trickling(30*time.Millisecond, 8))
	cfg := testConfig()
	cfg.ReadIdleTimeout, cfg.MaxIdlePerHost = 150*time.Millisecond, 0
	c := NewClient(cfg)
	defer c.Close()
	rsp, err := c.RoundTrip(clientReq(t, context.Background(), "GET", s.URL, nil))
	if err != nil {
		t.Fatal(err)
	}
	defer rsp.Body.Close()
	if b, err := io.ReadAll(rsp.Body); err != nil || len(b) != 8 {
		t.Fatalf("read %q, %v", b, err)
	}
}

// The request's deadline stays the bound when it comes before the idle
// deadline.
func TestH1ClientReadIdleKeepsRequestDeadline(t *testing.T) {
	s, _ := countingServer(t, h1Trickling(20*time.Millisecond, 50))
	cfg := testConfig()
	cfg.ReadIdleTimeout, cfg.MaxIdlePerHost = time.Second, 0
	c := NewClient(cfg)
	defer c.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 150*time.Millisecond)
	defer cancel()
	rsp, err := c.RoundTrip(clientReq(t, ctx, "GET", s.URL, nil))
	if err != nil {
		t.Fatal(err)
	}
	defer rsp.Body.Close()
	start := time.Now()
	if _, err := io.ReadAll(rsp.Body); !h1IsTimeout(err) {
		t.Fatalf("err %v, want a timeout", err)
	}
	if d := time.Since(start); d > 700*time.Millisecond {
		t.Errorf("read for %v past a 150ms deadline", d)
	}
}

// A cancellation during the body is not undone by the idle deadline the
// next read arms.
func TestH1ClientReadIdleCancel(t *testing.T) {
	s, _ := countingServer(t, h1Trickling(10*time.Millisecond, 300))
	cfg := testConfig()
	cfg.ReadIdleTimeout, cfg.MaxIdlePerHost = 10*time.Second, 0
	c := NewClient(cfg)
	defer c.Close()
	ctx, cancel := context.WithCancel(context.Background())
	rsp, err := c.RoundTrip(clientReq(t, ctx, "GET", s.URL, nil))
	if err != nil {
		t.Fatal(err)
	}
	defer rsp.Body.Close()
	time.AfterFunc(50*time.Millisecond, cancel)
	start := time.Now()
	if _, err := io.ReadAll(rsp.Body); err == nil {
		t.Fatal("body ended normally")
	}
	if d := time.Since(start); d > 2*time.Second {
		t.Errorf("cancel took %v", d)
	}
}

func TestWithReadIdle(t *testing.T) {
	tlsBe := httptest.NewTLSServer(http.HandlerFunc(h1StallingBody))
	defer tlsBe.Close()
	h2cBe := httptest.NewServer(h2c.NewHandler(http.HandlerFunc(h1StallingBody), &http2.Server{}))
	defer h2cBe.Close()
	h2cTr := &http.Transport{Protocols: new(http.Protocols)}
	h2cTr.Protocols.SetUnencryptedHTTP2(true)
	defer h2cTr.CloseIdleConnections()
	tlsTr := tlsBe.Client().Transport.(*http.Transport)
	defer tlsTr.CloseIdleConnections()
	for _, tc := range []struct {
		name string
		rt   http.RoundTripper
		url  string
	}{
		{"https", tlsTr, tlsBe.URL},
		{"h2c", h2cTr, h2cBe.URL},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rsp, err := tc.rt.RoundTrip(clientReq(t, context.Background(), "GET", tc.url, nil))
			if err != nil {
				t.Fatal(err)
			}
			WithReadIdle(rsp, 100*time.Millisecond)
			defer rsp.Body.Close()
			start := time.Now()
			b, err := io.ReadAll(rsp.Body)
			if !h1IsTimeout(err) || string(b) != "start" {
				t.Fatalf("read %q, %v; want the start and a timeout", b, err)
			}
			if d := time.Since(start); d > 2*time.Second {
				t.Errorf("gave up after %v", d)
			}
			if _, err := rsp.Body.Read(make([]byte, 1)); !h1IsTimeout(err) {
				t.Errorf("read after expiry: %v", err)
			}
		})
	}
}

func TestWithReadIdleCompleteBody(t *testing.T) {
	body := &h1CloseCounter{Reader: strings.NewReader("hello")}
	rsp := &http.Response{Body: body}
	WithReadIdle(rsp, 50*time.Millisecond)
	b, err := io.ReadAll(rsp.Body)
	if err != nil || string(b) != "hello" {
		t.Fatalf("%q %v", b, err)
	}
	time.Sleep(100 * time.Millisecond) // no timer may fire after the body ended
	if body.n != 0 {
		t.Errorf("closed %d times before Close", body.n)
	}
	rsp.Body.Close()
	rsp.Body.Close()
	if body.n != 1 {
		t.Errorf("closed %d times", body.n)
	}
	for _, d := range []time.Duration{0, -1} {
		rsp := &http.Response{Body: body}
		if WithReadIdle(rsp, d); rsp.Body != io.ReadCloser(body) {
			t.Errorf("wrapped with d=%v", d)
		}
	}
}

type h1CloseCounter struct {
	io.Reader
	n int
}

func (c *h1CloseCounter) Close() error { c.n++; return nil }
