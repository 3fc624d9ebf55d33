package admin

import (
	"context"
	"errors"
	"io"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/sirupsen/logrus"

	"github.com/skiff-proxy/skiff/dataclients"
	"github.com/skiff-proxy/skiff/eskip"
	"github.com/skiff-proxy/skiff/routing"
)

// staleSnapshot serves b in its last valid version: its new version,
// at r.eskip:5:1, has an unknown filter.
func staleSnapshot() Snapshot {
	s := testSnapshot()
	s.Invalid = append(s.Invalid, InvalidRoute{
		Id: "b", Source: "file", Pos: eskip.Position{Source: "r.eskip", Line: 5, Column: 1},
		Reason: "unknown_filter", Err: errors.New(`unknown filter "nope" (#1)`), Stale: true,
	})
	return s
}

func TestRoutesStale(t *testing.T) {
	h := Handler(Options{Routes: staleSnapshot, Printer: fakePrinter{}})
	const note = "// stale: the last valid version of b; its new version at r.eskip:5:1 is invalid (unknown_filter)\n"
	for _, tc := range []struct {
		name, target string
		count        string
		body         string
	}{
		{name: "valid pretty", target: "/routes", count: "4",
			body: "a(pretty=true);\n\n" + note + "b(pretty=true);\nc(pretty=true);\nd(pretty=true);\n"},
		{name: "valid nopretty", target: "/routes?nopretty", count: "4",
			body: "a(pretty=false);\n" + note + "b(pretty=false);\nc(pretty=false);\nd(pretty=false);\n"},
		{name: "stale route first on the page", target: "/routes?offset=1&limit=2", count: "4",
			body: note + "b(pretty=true);\nc(pretty=true);\n"},
		{name: "page without it", target: "/routes?offset=2", count: "4",
			body: "c(pretty=true);\nd(pretty=true);\n"},
		{name: "valid json unchanged", target: "/routes?format=json&nopretty", count: "4",
			body: `[{"id":"a"},{"id":"b"},{"id":"c"},{"id":"d"}]` + "\n"},
		{name: "invalid text", target: "/routes?invalid=true", count: "2",
			body: "// bad at r.eskip:3:7 from file: unknown_filter: filter \"nope\" not found\n" +
				"// b at r.eskip:5:1 from file: unknown_filter: unknown filter \"nope\" (#1) (stale: serving the last valid version)\n"},
		{name: "invalid json", target: "/routes?invalid=true&format=json&nopretty", count: "2",
			body: `[{"id":"bad","source":"file","position":"r.eskip:3:7","reason":"unknown_filter","error":"filter \"nope\" not found"},` +
				`{"id":"b","source":"file","position":"r.eskip:5:1","reason":"unknown_filter","error":"unknown filter \"nope\" (#1)","stale":true}]` + "\n"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rec := get(t, h, "GET", tc.target)
			if rec.Code != 200 {
				t.Fatalf("status %d: %s", rec.Code, rec.Body)
			}
			if got := rec.Body.String(); got != tc.body {
				t.Errorf("body\n%s\nwant\n%s", got, tc.body)
			}
			if got := rec.Header().Get("X-Count"); got != tc.count {
				t.Errorf("X-Count %q, want %q", got, tc.count)
			}
			if got, want := rec.Header().Get("Content-Length"), len(tc.body); got != strconv.Itoa(want) {
				t.Errorf("Content-Length %s, want %d", got, want)
			}
		})
	}
}

// updateClient sends the updates it is given.
type updateClient struct{ updates chan dataclients.Update }

func (updateClient) Name() string { return "file:r.eskip" }

func (c updateClient) Run(ctx context.Context, out chan<- dataclients.Update) error {
	for {
		select {
		case <-ctx.Done():
			return nil
		case u := <-c.updates:
			select {
			case out <- u:
			case <-ctx.Done():
				return nil
			}
		}
	}
}

// TestRoutesStaleFromRouting: a live routing table with a stale route, as
// /routes shows it: the valid list with the served version, a comment
// before it, and still a document that parses; the invalid list with the
// rejected version, marked stale.
func TestRoutesStaleFromRouting(t *testing.T) {
	parse := func(doc string) []*eskip.Route {
		defs, err := eskip.ParseDocument("r.eskip", []byte(doc))
		if err != nil {
			t.Fatal(err)
		}
		return defs
	}
	c := updateClient{make(chan dataclients.Update)}
	log := logrus.New()
	log.SetOutput(io.Discard)
	rt := routing.New(routing.Options{DataClients: []dataclients.DataClient{c}, Coalesce: -1, Log: log})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error)
	go func() { done <- rt.Run(ctx) }()
	defer func() { cancel(); <-done }()
	snapshot := SnapshotsOf(rt)
	waitFor := func(what string, cond func(Snapshot) bool) {
		t.Helper()
		deadline := time.Now().Add(5 * time.Second)
		for !cond(snapshot()) {
			if time.Now().After(deadline) {
				t.Fatalf("timed out waiting for %s", what)
			}
			time.Sleep(time.Millisecond)
		}
	}
	c.updates <- dataclients.Update{Reset: true, Upserts: parse(`a: Path("/a") -> "http://a1";` + "\n" + `b: Path("/b") -> "http://b1";`)}
	waitFor("the first version", func(s Snapshot) bool { return len(s.Valid) == 2 })
	c.updates <- dataclients.Update{Upserts: parse("\n\n" + `b: Path("/b") -> nope() -> "http://b2";`)}
	waitFor("the invalid version", func(s Snapshot) bool { return len(s.Invalid) == 1 })
	h := Handler(Options{Routes: snapshot, Printer: EskipPrinter{}})

	body := get(t, h, "GET", "/routes").Body.String()
	want := "a: Path(\"/a\")\n  -> \"http://a1\";\n\n" +
		"// stale: the last valid version of b; its new version at r.eskip:3:1 is invalid (unknown_filter)\n" +
		"b: Path(\"/b\")\n  -> \"http://b1\";\n"
	if body != want {
		t.Errorf("valid routes\n%s\nwant\n%s", body, want)
	}
	routes, err := eskip.Parse(body)
	if err != nil || len(routes) != 2 || routes[1].Backend != "http://b1" {
		t.Errorf("the listing does not parse back to the served routes: %v %v", routes, err)
	}
	body = get(t, h, "GET", "/routes?invalid=true").Body.String()
	if want := "// b at r.eskip:3:1 from file:r.eskip: unknown_filter: unknown filter \"nope\" (#1) (stale: serving the last valid version)\n"; body != want {
		t.Errorf("invalid routes\n%s\nwant\n%s", body, want)
	}
	body = get(t, h, "GET", "/routes?invalid=true&format=json&nopretty").Body.String()
	if want := `[{"id":"b","source":"file:r.eskip","position":"r.eskip:3:1","reason":"unknown_filter","error":"unknown filter \"nope\" (#1)","stale":true}]` + "\n"; body != want {
		t.Errorf("invalid routes JSON\n%s\nwant\n%s", body, want)
	}
	if !strings.Contains(get(t, h, "GET", "/routes?format=json&nopretty").Body.String(), `"http://b1"`) {
		t.Error("the JSON list of valid routes does not have the served version of b")
	}
}
