package admin

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/skiff-proxy/skiff/eskip"
)

// fakePrinter prints "id;" per route so that tests see which routes and
// which mode were asked for without depending on the eskip printer.
type fakePrinter struct{}

func (fakePrinter) Text(w io.Writer, pretty bool, routes []*eskip.Route) error {
	for _, r := range routes {
		fmt.Fprintf(w, "%s(pretty=%v);\n", r.Id, pretty)
	}
	return nil
}

func (fakePrinter) JSON(r *eskip.Route) ([]byte, error) {
	return json.Marshal(map[string]string{"id": r.Id})
}

func testSnapshot() Snapshot {
	s := Snapshot{Created: time.Unix(1700000000, 0)}
	for _, id := range []string{"a", "b", "c", "d"} {
		s.Valid = append(s.Valid, &eskip.Route{Id: id})
	}
	s.Invalid = []InvalidRoute{{
		Id: "bad", Source: "file", Pos: eskip.Position{Source: "r.eskip", Line: 3, Column: 7},
		Reason: "unknown_filter", Err: errors.New(`filter "nope" not found`),
	}}
	return s
}

func get(t *testing.T, h http.Handler, method, target string, hdr ...string) *httptest.ResponseRecorder {
	t.Helper()
	req := httptest.NewRequest(method, target, nil)
	for i := 0; i+1 < len(hdr); i += 2 {
		req.Header.Set(hdr[i], hdr[i+1])
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	return rec
}

func TestHealth(t *testing.T) {
	var draining, starting atomic.Bool
	starting.Store(true)
	h := Handler(Options{Draining: draining.Load, Starting: starting.Load})
	if rec := get(t, h, "GET", "/health"); rec.Code != 503 || rec.Body.String() != "starting\n" {
		t.Errorf("starting: got %d %q", rec.Code, rec.Body)
	}
	starting.Store(false)
	if rec := get(t, h, "GET", "/health"); rec.Code != 200 {
		t.Errorf("serving: got %d", rec.Code)
	}
	draining.Store(true)
	if rec := get(t, h, "GET", "/health"); rec.Code != 503 || rec.Body.String() != "draining\n" {
		t.Errorf("draining: got %d %q", rec.Code, rec.Body)
	}
	if rec := get(t, h, "POST", "/health"); rec.Code != 405 {
		t.Errorf("POST: got %d", rec.Code)
	}
}

func TestHealthWarnings(t *testing.T) {
	var warn atomic.Bool
	h := Handler(Options{Warnings: func() []string {
		if warn.Load() {
			return []string{"etcd: unreachable for 45s"}
		}
		return nil
	}})
	if rec := get(t, h, "GET", "/health"); rec.Code != 200 || rec.Body.String() != "OK\n" {
		t.Errorf("no warning: got %d %q", rec.Code, rec.Body)
	}
	warn.Store(true)
	if rec := get(t, h, "GET", "/health"); rec.Code != 200 || rec.Body.String() != "OK\netcd: unreachable for 45s\n" {
		t.Errorf("warning: got %d %q; the status stays 200 while the proxy serves", rec.Code, rec.Body)
	}
}

func TestRoutes(t *testing.T) {
	h := Handler(Options{Routes: testSnapshot, Printer: fakePrinter{}})
	for _, tc := range []struct {
		name, target string
		hdr          []string
		code         int
		count        string
		body         string
		contains     string
	}{
		{name: "all pretty", target: "/routes", code: 200, count: "4",
			body: "a(pretty=true);\nb(pretty=true);\nc(pretty=true);\nd(pretty=true);\n"},
		{name: "paged", target: "/routes?offset=1&limit=2", code: 200, count: "4",
			body: "b(pretty=true);\nc(pretty=true);\n"},
		{name: "offset past end", target: "/routes?offset=9", code: 200, count: "4", body: ""},
		{name: "nopretty", target: "/routes?nopretty&limit=1", code: 200, count: "4", body: "a(pretty=false);\n"},
		{name: "nopretty=false keeps pretty", target: "/routes?nopretty=false&limit=1", code: 200, count: "4", body: "a(pretty=true);\n"},
		{name: "json by query", target: "/routes?format=json&nopretty&limit=2", code: 200, count: "4",
			body: `[{"id":"a"},{"id":"b"}]` + "\n"},
		{name: "json by accept", target: "/routes?limit=1&nopretty=1", hdr: []string{"Accept", "text/html, application/json"},
			code: 200, count: "4", body: `[{"id":"a"}]` + "\n"},
		{name: "invalid text", target: "/routes?invalid=true", code: 200, count: "1",
			body: "// bad at r.eskip:3:7 from file: unknown_filter: filter \"nope\" not found\n"},
		{name: "invalid json", target: "/routes?invalid=true&format=json&nopretty", code: 200, count: "1",
			body: `[{"id":"bad","source":"file","position":"r.eskip:3:7","reason":"unknown_filter","error":"filter \"nope\" not found"}]` + "\n"},
		{name: "bad offset", target: "/routes?offset=-1", code: 400, contains: "offset"},
		{name: "bad limit", target: "/routes?limit=x", code: 400, contains: "limit"},
		{name: "matching timestamp", target: "/routes?timestamp=1700000000&limit=1", code: 200, count: "4", body: "a(pretty=true);\n"},
		{name: "stale timestamp", target: "/routes?timestamp=1", code: 400, contains: "invalid timestamp"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rec := get(t, h, "GET", tc.target, tc.hdr...)
			if rec.Code != tc.code {
				t.Fatalf("status %d, want %d: %s", rec.Code, tc.code, rec.Body)
			}
			if tc.contains != "" {
				if !strings.Contains(rec.Body.String(), tc.contains) {
					t.Errorf("body %q does not mention %q", rec.Body, tc.contains)
				}
				return
			}
			if got := rec.Body.String(); got != tc.body {
				t.Errorf("body\n%q\nwant\n%q", got, tc.body)
			}
			if got := rec.Header().Get("X-Count"); got != tc.count {
				t.Errorf("X-Count %q, want %q", got, tc.count)
			}
			if got := rec.Header().Get("X-Timestamp"); got != "1700000000" {
				t.Errorf("X-Timestamp %q", got)
			}
		})
	}
}

func TestRoutesMethods(t *testing.T) {
	h := Handler(Options{Routes: testSnapshot, Printer: fakePrinter{}})
	rec := get(t, h, "HEAD", "/routes")
	if rec.Code != 200 || rec.Body.Len() != 0 || rec.Header().Get("X-Count") != "4" {
		t.Errorf("HEAD: %d %q %v", rec.Code, rec.Body, rec.Header())
	}
	if rec := get(t, h, "DELETE", "/routes"); rec.Code != 405 {
		t.Errorf("DELETE: %d", rec.Code)
	}
}

func TestProfileMountedOnlyWhenEnabled(t *testing.T) {
	for _, enabled := range []bool{false, true} {
		h := Handler(Options{Profile: enabled})
		rec := get(t, h, "GET", "/debug/pprof/")
		if got, want := rec.Code == 200, enabled; got != want {
			t.Errorf("profile=%v: status %d", enabled, rec.Code)
		}
	}
}
