package routesurl

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/sirupsen/logrus"
	"github.com/sirupsen/logrus/hooks/test"

	"github.com/skiff-proxy/skiff/dataclients"
	"github.com/skiff-proxy/skiff/eskip"
)

// server serves an eskip document with an ETag that changes with it and
// counts the requests and the 304 answers.
type server struct {
	mu      sync.Mutex
	doc     string
	status  int
	version int
	gets    int
	not     int
	*httptest.Server
}

func newServer(t *testing.T, doc string) *server {
	s := &server{doc: doc, status: http.StatusOK}
	s.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.mu.Lock()
		defer s.mu.Unlock()
		s.gets++
		etag := fmt.Sprintf(`"v%d"`, s.version)
		if s.status != http.StatusOK {
			w.WriteHeader(s.status)
			return
		}
		if r.Header.Get("If-None-Match") == etag {
			s.not++
			w.WriteHeader(http.StatusNotModified)
			return
		}
		w.Header().Set("ETag", etag)
		io.WriteString(w, s.doc)
	}))
	t.Cleanup(s.Close)
	return s
}

func (s *server) set(doc string) {
	s.mu.Lock()
	s.doc = doc
	s.version++
	s.mu.Unlock()
}

func (s *server) counts() (gets, notModified int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.gets, s.not
}

func quietLog() (logrus.FieldLogger, *test.Hook) {
	l, h := test.NewNullLogger()
	return l, h
}

// run starts c and returns its updates; the test's cleanup stops it.
func run(t *testing.T, c *Client) <-chan dataclients.Update {
	ctx, cancel := context.WithCancel(context.Background())
	out := make(chan dataclients.Update)
	done := make(chan struct{})
	go func() { defer close(done); c.Run(ctx, out) }()
	t.Cleanup(func() { cancel(); <-done })
	return out
}

func next(t *testing.T, out <-chan dataclients.Update) dataclients.Update {
	t.Helper()
	select {
	case u := <-out:
		return u
	case <-time.After(5 * time.Second):
		t.Fatal("no update")
	}
	return dataclients.Update{}
}

func none(t *testing.T, out <-chan dataclients.Update, d time.Duration) {
	t.Helper()
	select {
	case u := <-out:
		t.Fatalf("unexpected update %+v", u)
	case <-time.After(d):
	}
}

func ids(rs []*eskip.Route) string {
	var s []string
	for _, r := range rs {
		s = append(s, r.Id+"="+r.Backend)
	}
	slices.Sort(s)
	return strings.Join(s, " ")
}

func TestPolling(t *testing.T) {
	srv := newServer(t, `a: Path("/a") -> "http://a.example"; b: Path("/b") -> "http://b.example";`)
	log, hook := quietLog()
	c, err := New(Options{URL: srv.URL + "/routes.eskip", Interval: 20 * time.Millisecond, Log: log})
	if err != nil {
		t.Fatal(err)
	}
	if want := "routes-url:" + srv.URL + "/routes.eskip"; c.Name() != want {
		t.Errorf("name %q, want %q", c.Name(), want)
	}
	out := run(t, c)

	u := next(t, out)
	if !u.Reset || ids(u.Upserts) != "a=http://a.example b=http://b.example" {
		t.Fatalf("first update %+v", u)
	}
	if p := u.Upserts[0].Pos; p.Source != srv.URL+"/routes.eskip" || p.Line != 1 {
		t.Errorf("position %+v", p)
	}
	gets, _ := srv.counts()
	if gets != 1 {
		t.Errorf("%d requests for the first set, want New's only", gets)
	}

	// Unchanged: polls are answered 304 and nothing is sent.
	none(t, out, 100*time.Millisecond)
	if _, not := srv.counts(); not == 0 {
		t.Error("no conditional request was answered 304")
	}

	// A change: b's backend changes, a goes, c comes.
	srv.set(`b: Path("/b") -> "http://b2.example"; c: Path("/c") -> "http://c.example";`)
	u = next(t, out)
	if u.Reset || ids(u.Upserts) != "b=http://b2.example c=http://c.example" || !slices.Equal(u.Deletes, []string{"a"}) {
		t.Fatalf("change %+v", u)
	}

	// A document that does not parse keeps the routes and is logged.
	srv.set(`b: Path("/b") -> ;`)
	none(t, out, 100*time.Millisecond)
	if len(hook.AllEntries()) == 0 {
		t.Error("the broken document was not logged")
	}

	// Mended: only what differs from the routes in effect is sent.
	srv.set(`b: Path("/b") -> "http://b2.example"; c: Path("/c") -> "http://c.example"; d: * -> <shunt>;`)
	u = next(t, out)
	if ids(u.Upserts) != "d=" || len(u.Deletes) != 0 {
		t.Fatalf("after mending %+v", u)
	}

	// The server failing keeps the routes too.
	srv.mu.Lock()
	srv.status = http.StatusBadGateway
	srv.mu.Unlock()
	none(t, out, 100*time.Millisecond)
	srv.mu.Lock()
	srv.status = http.StatusOK
	srv.mu.Unlock()
	srv.set(`d: * -> <shunt>;`)
	u = next(t, out)
	// d moved to the start of the document: it is sent again with its new position.
	if ids(u.Upserts) != "d=" || !slices.Equal(sorted(u.Deletes), []string{"b", "c"}) {
		t.Fatalf("after the outage %+v", u)
	}
}

func sorted(s []string) []string { slices.Sort(s); return s }

func TestNewFails(t *testing.T) {
	srv := newServer(t, `broken: Path("/x") -> ;`)
	missing := httptest.NewServer(http.NotFoundHandler())
	defer missing.Close()
	huge := newServer(t, strings.Repeat("// a comment line\n", 100))
	down := httptest.NewServer(http.NotFoundHandler())
	down.Close()

	for _, tc := range []struct {
		name string
		o    Options
		want string
	}{
		{"not a URL", Options{URL: "routes.eskip"}, `"routes.eskip" is not an http or https URL`},
		{"parse error", Options{URL: srv.URL + "/r"}, srv.URL + "/r:1:"},
		{"status", Options{URL: missing.URL + "/r"}, "GET " + missing.URL + "/r: 404 Not Found"},
		{"too large", Options{URL: huge.URL, MaxSize: 1000}, "larger than 1000 bytes"},
		{"unreachable", Options{URL: down.URL + "/r"}, down.URL},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := New(tc.o)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error %v, want it to contain %q", err, tc.want)
			}
		})
	}
}

func TestTimeout(t *testing.T) {
	release := make(chan struct{})
	slow := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-release:
		case <-r.Context().Done():
		}
	}))
	defer slow.Close()
	defer close(release)
	start := time.Now()
	_, err := New(Options{URL: slow.URL, Timeout: 50 * time.Millisecond})
	if err == nil {
		t.Fatal("a server that never answers was accepted")
	}
	if d := time.Since(start); d > 2*time.Second {
		t.Errorf("gave up after %v", d)
	}
}

func TestIsURL(t *testing.T) {
	for s, want := range map[string]bool{
		"http://a/r.eskip": true, "HTTPS://a/r": true, "/etc/routes.eskip": false, "file:///r": false, "routes.eskip": false,
	} {
		if IsURL(s) != want {
			t.Errorf("IsURL(%q) = %v", s, !want)
		}
	}
}
