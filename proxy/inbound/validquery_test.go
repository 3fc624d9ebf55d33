package inbound

import (
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/sirupsen/logrus"
)

func TestValidQueryAgreesWithParseQuery(t *testing.T) {
	for _, q := range []string{
		"", "a=1", "a=1&b=2", "a", "&&", "=", "a=%20", "a=%2", "a=%", "%", "%zz", "a=%4g",
		"a=1;b=2", ";", "a+b=c+d", "%41%42=%43", "a=%C3%A9", "a=\x00", "a=%%41", "x=%41%",
	} {
		_, err := url.ParseQuery(q)
		if got, want := validQuery(q), err == nil; got != want {
			t.Errorf("validQuery(%q) = %v, url.ParseQuery says %v (%v)", q, got, want, err)
		}
	}
}

func TestValidQueryDoesNotAllocate(t *testing.T) {
	if n := testing.AllocsPerRun(100, func() { validQuery("a=%41&b=c+d&e") }); n != 0 {
		t.Errorf("%v allocations", n)
	}
}

func TestProxyServerValidatesQuery(t *testing.T) {
	l := logrus.New()
	l.SetOutput(io.Discard)
	next := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(299) })
	for _, tc := range []struct {
		disable bool
		target  string
		status  int
	}{
		{false, "/p?a=1&b=%41", 299},
		{false, "/p?a=%zz", 400},
		{false, "/p?a=1;b=2", 400},
		{true, "/p?a=%zz", 299},
	} {
		s := NewServer(Config{ValidateQuery: !tc.disable, Log: l}, next)
		w := httptest.NewRecorder()
		s.HTTP.Handler.ServeHTTP(w, httptest.NewRequest("GET", tc.target, nil))
		if w.Code != tc.status {
			t.Errorf("disable %v, %s: status %d, want %d", tc.disable, tc.target, w.Code, tc.status)
		}
		if tc.status == 400 {
			if body := w.Body.String(); body != "Invalid query\n" {
				t.Errorf("%s: body %q", tc.target, body)
			}
			if got := w.Header().Get("Server"); got != "skiff" {
				t.Errorf("%s: Server %q", tc.target, got)
			}
		}
	}
}

func TestMaxContentLength(t *testing.T) {
	l := logrus.New()
	l.SetOutput(io.Discard)
	next := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(299) })
	for _, tc := range []struct {
		max, length int64
		status      int
	}{
		{0, 1 << 30, 299},
		{10, 10, 299},
		{10, 11, 413},
		{10, -1, 299}, // chunked: not counted
	} {
		s := NewServer(Config{MaxContentLength: tc.max, Log: l}, next)
		r := httptest.NewRequest("POST", "/", strings.NewReader("x"))
		r.ContentLength = tc.length
		w := httptest.NewRecorder()
		s.HTTP.Handler.ServeHTTP(w, r)
		if w.Code != tc.status {
			t.Errorf("max %d, length %d: status %d, want %d", tc.max, tc.length, w.Code, tc.status)
		}
	}
}
