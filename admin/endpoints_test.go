package admin

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/skiff-proxy/skiff/eskip"
	"github.com/skiff-proxy/skiff/filters"
	"github.com/skiff-proxy/skiff/filters/builtin"
	"github.com/skiff-proxy/skiff/healthcheck"
	"github.com/skiff-proxy/skiff/loadbalancer"
	"github.com/skiff-proxy/skiff/routing"
)

type fixedTable struct{ t *routing.Table }

func (f fixedTable) Acquire() *routing.Table { return f.t }

// lbTable holds two load-balanced routes sharing an endpoint and a
// network route; 10.0.0.2 has refused a connection.
func lbTable(t *testing.T) (*routing.Table, *healthcheck.Registry) {
	t.Helper()
	defs, err := eskip.Parse(`
		a: Path("/a") -> fadeIn("1h") -> <roundRobin, "http://10.0.0.1:8080", "http://10.0.0.2:8080">;
		b: Path("/b") -> <consistentHash, "http://10.0.0.2:8080", "http://10.0.0.3">;
		n: Path("/n") -> "http://10.0.0.9";
	`)
	if err != nil {
		t.Fatal(err)
	}
	reg := healthcheck.New(healthcheck.Config{})
	tbl := routing.Build(defs, routing.BuildOptions{
		Filters:        reg0(t),
		PostProcessors: []routing.PostProcessor{loadbalancer.NewPostProcessor(reg)},
	})
	if len(tbl.Invalid()) > 0 {
		t.Fatalf("invalid: %+v", tbl.Invalid())
	}
	e := reg.Lookup("10.0.0.2:8080")
	e.Begin()
	e.End(healthcheck.Outcome{Failure: healthcheck.DialFailed})
	reg.Lookup("10.0.0.1:8080").Begin() // one request in flight
	return tbl, reg
}

func TestEndpointsList(t *testing.T) {
	tbl, reg := lbTable(t)
	h := Handler(Options{Endpoints: EndpointsOf(fixedTable{tbl}, reg)})
	rec := get(t, h, "GET", "/endpoints")
	if rec.Code != 200 || rec.Header().Get("Content-Type") != "application/json" {
		t.Fatalf("status %d, type %q: %s", rec.Code, rec.Header().Get("Content-Type"), rec.Body)
	}
	var got []EndpointView
	if err := json.Unmarshal(rec.Body.Bytes(), &got); err != nil {
		t.Fatal(err)
	}
	want := []struct {
		addr, routes, state string
		inFlight            int64
		fading              bool
		failures            uint64
	}{
		{"http://10.0.0.1:8080", "a", "healthy", 1, true, 0},
		{"http://10.0.0.2:8080", "a,b", "dead", 0, true, 1},
		{"http://10.0.0.3:80", "b", "healthy", 0, false, 0},
	}
	if len(got) != len(want) {
		t.Fatalf("%d endpoints, want %d: %+v", len(got), len(want), got)
	}
	for i, w := range want {
		g := got[i]
		if g.Address != w.addr || strings.Join(g.Routes, ",") != w.routes || g.State != w.state ||
			g.InFlight != w.inFlight || (g.FadeIn < 1) != w.fading || g.Failures != w.failures {
			t.Errorf("endpoint %d: %+v, want %+v", i, g, w)
		}
	}
	if got[1].Reason == "" || got[1].Since.IsZero() || got[1].Detected.IsZero() {
		t.Errorf("dead endpoint without reason or times: %+v", got[1])
	}
	if rec := get(t, h, "POST", "/endpoints"); rec.Code != 405 {
		t.Errorf("POST: %d", rec.Code)
	}
}

func TestRoutesShowEndpointStates(t *testing.T) {
	tbl, _ := lbTable(t)
	for _, r := range tbl.Routes() {
		if r.Id == "b" {
			// An endpoint-only update: /routes shows the pool's list.
			r.Balancer.UpdateEndpoints([]routing.LBEndpoint{{Scheme: "http", Host: "10.0.0.2:8080"}, {Scheme: "http", Host: "10.0.0.4:80"}})
		}
	}
	h := Handler(Options{Routes: SnapshotsOf(fixedTable{tbl}), Printer: EskipPrinter{}})
	body := get(t, h, "GET", "/routes").Body.String()
	for _, want := range []string{
		"// endpoint http://10.0.0.1:8080: healthy, 1 in flight, fading in at 0%\n",
		"// endpoint http://10.0.0.2:8080: dead since ",
		" (connection failed), 0 in flight",
		"// endpoint http://10.0.0.4:80: healthy, 0 in flight\n",
		`"http://10.0.0.2:8080", "http://10.0.0.4:80">`,
	} {
		if !strings.Contains(body, want) {
			t.Errorf("/routes lacks %q:\n%s", want, body)
		}
	}
	if strings.Contains(body, "10.0.0.3") {
		t.Errorf("/routes shows an endpoint the pool no longer has:\n%s", body)
	}
	routes, err := eskip.Parse(body)
	if err != nil || len(routes) != 3 {
		t.Errorf("the document does not parse back to 3 routes (%d): %v", len(routes), err)
	}
}

// reg0 is the built-in filter registry (fadeIn is among them).
func reg0(t *testing.T) filters.Registry {
	t.Helper()
	r, err := builtin.Registry(builtin.Options{})
	if err != nil {
		t.Fatal(err)
	}
	return r
}
