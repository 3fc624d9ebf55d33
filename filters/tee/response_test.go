package tee

import (
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/skiff-proxy/skiff/filters/filtertest"
)

func TestResponseArgs(t *testing.T) {
	s := newShadow(t, Options{})
	for _, tc := range []struct {
		args []any
		bad  string
	}{
		{[]any{"https://another-api.example.org"}, ""},
		{[]any{"http://collector:8080/responses?src=skiff"}, ""},
		{nil, "want 1 argument(s), got 0"},
		{[]any{"http://a", "http://b"}, "want 1 argument(s), got 2"},
		{[]any{""}, "argument 1 (url) must not be empty"},
		{[]any{1.0}, "argument 1 (url) must be a string"},
		{[]any{"another-api.example.org"}, `argument 1 (url) "another-api.example.org" must be an http or https URL with a host`},
		{[]any{"ftp://a"}, `"ftp://a" must be an http or https URL`},
		{[]any{"http://"}, `"http://" must be an http or https URL`},
		{[]any{"http://a b"}, `"http://a b" must be an http or https URL`},
	} {
		filtertest.CheckCreate(t, ResponseSpec(s), tc.args, tc.bad)
	}
}

func newResponse(status int, header http.Header, body string, length int64) *http.Response {
	if header == nil {
		header = http.Header{}
	}
	return &http.Response{StatusCode: status, Header: header, Body: io.NopCloser(strings.NewReader(body)), ContentLength: length}
}

// TestResponseCopiesBody: the body the client reads is posted to the
// URL's path and query, with its type and encoding and, when known, its
// length.
func TestResponseCopiesBody(t *testing.T) {
	srv := newShadowServer(t, false)
	s := newShadow(t, Options{})
	body := strings.Repeat("response ", 10000)
	for _, tc := range []struct {
		name, path string
		length     int64
		header     http.Header
		want       seen
	}{
		{"known length", "", int64(len(body)), http.Header{"Content-Type": {"application/json"}, "X-Other": {"x"}},
			seen{method: "POST", uri: "/", contentLength: int64(len(body))}},
		{"chunked", "/collect?src=skiff", -1, http.Header{"Content-Encoding": {"gzip"}},
			seen{method: "POST", uri: "/collect?src=skiff", contentLength: -1}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := filtertest.Create(t, ResponseSpec(s), srv.URL+tc.path)
			ctx := filtertest.NewContext(httptest.NewRequest("GET", "/", nil))
			ctx.FResponse = newResponse(200, tc.header, body, tc.length)
			f.Response(ctx)
			rsp := ctx.Response()
			if got := filtertest.Body(t, rsp); got != body || rsp.StatusCode != 200 || rsp.ContentLength != tc.length {
				t.Fatalf("client response changed: %d %d", rsp.StatusCode, rsp.ContentLength)
			}
			got := receive(t, srv.got)
			if got.method != tc.want.method || got.uri != tc.want.uri || got.contentLength != tc.want.contentLength ||
				got.body != body || got.bodyErr != nil {
				t.Fatalf("collector got %s %s length %d, %d bytes, err %v", got.method, got.uri, got.contentLength, len(got.body), got.bodyErr)
			}
			for _, k := range []string{"Content-Type", "Content-Encoding", "X-Other"} {
				want := tc.header.Get(k)
				if k == "X-Other" {
					want = ""
				}
				if got.header.Get(k) != want {
					t.Errorf("%s: %q, want %q", k, got.header.Get(k), want)
				}
			}
			waitIdle(t, s)
		})
	}
}

// TestResponseSkips: responses without a body send nothing.
func TestResponseSkips(t *testing.T) {
	s := newShadow(t, Options{})
	f := filtertest.Create(t, ResponseSpec(s), "http://127.0.0.1:1")
	for _, tc := range []struct {
		name   string
		method string
		rsp    *http.Response
	}{
		{"no response", "GET", nil},
		{"length 0", "GET", newResponse(200, nil, "", 0)},
		{"no body", "GET", &http.Response{StatusCode: 200, Header: http.Header{}, Body: http.NoBody, ContentLength: -1}},
		{"nil body", "GET", &http.Response{StatusCode: 200, Header: http.Header{}, ContentLength: -1}},
		{"204", "GET", newResponse(204, nil, "", -1)},
		{"304", "GET", newResponse(304, nil, "", -1)},
		{"101", "GET", newResponse(101, nil, "", -1)},
		{"HEAD", "HEAD", newResponse(200, nil, "", 42)},
	} {
		ctx := filtertest.NewContext(httptest.NewRequest(tc.method, "/", nil))
		ctx.FResponse = tc.rsp
		f.Response(ctx)
		if s.Sent() != 0 {
			t.Fatalf("%s: copied", tc.name)
		}
	}
}

// TestResponseNeverBlocks: a collector that reads nothing does not slow
// the client down; its copy is dropped once it falls behind.
func TestResponseNeverBlocks(t *testing.T) {
	srv := newShadowServer(t, true)
	s := newShadow(t, Options{BufferSize: 1024, Timeout: time.Hour})
	f := filtertest.Create(t, ResponseSpec(s), srv.URL)
	body := strings.Repeat("x", 1<<20)
	ctx := filtertest.NewContext(httptest.NewRequest("GET", "/", nil))
	ctx.FResponse = newResponse(200, nil, body, -1)
	f.Response(ctx)
	if got := filtertest.Body(t, ctx.Response()); len(got) != len(body) {
		t.Fatalf("client read %d bytes", len(got))
	}
	srv.releaseAll()
	if got := receive(t, srv.got); got.bodyErr == nil && got.body == body {
		t.Fatal("collector got the whole body although it fell behind")
	}
	waitIdle(t, s)
}

// TestResponseClientLeaves: a body closed before its end is not passed
// on as a complete one.
func TestResponseClientLeaves(t *testing.T) {
	srv := newShadowServer(t, false)
	s := newShadow(t, Options{})
	f := filtertest.Create(t, ResponseSpec(s), srv.URL)
	ctx := filtertest.NewContext(httptest.NewRequest("GET", "/", nil))
	ctx.FResponse = newResponse(200, nil, "0123456789", 10)
	f.Response(ctx)
	b := make([]byte, 4)
	if _, err := io.ReadFull(ctx.Response().Body, b); err != nil {
		t.Fatal(err)
	}
	ctx.Response().Body.Close()
	if got := receive(t, srv.got); got.bodyErr == nil {
		t.Fatalf("collector got %q without error", got.body)
	}
	waitIdle(t, s)
}

func TestResponseRequestPhaseDoesNothing(t *testing.T) {
	s := newShadow(t, Options{})
	f := filtertest.Create(t, ResponseSpec(s), "http://127.0.0.1:1")
	f.Request(filtertest.NewContext(httptest.NewRequest("POST", "/", strings.NewReader("x"))))
	if s.Sent() != 0 {
		t.Fatal("request phase copied")
	}
}
