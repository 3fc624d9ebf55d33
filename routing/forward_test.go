package routing

import (
	"testing"

	"github.com/skiff-proxy/skiff/eskip"
)

func TestNewForwardResolverURL(t *testing.T) {
	for _, tc := range []struct {
		url string
		ok  bool
	}{
		{"http://fwd.example:8080", true},
		{"https://fwd.example", true},
		{"fwd.example:8080", false},
		{"ftp://fwd.example", false},
		{"http://", false},
		{"http://%zz", false},
	} {
		_, err := NewForwardResolver(tc.url)
		if (err == nil) != tc.ok {
			t.Errorf("%q: err=%v, want ok=%v", tc.url, err, tc.ok)
		}
	}
}

func TestForwardResolver(t *testing.T) {
	const doc = `
		a: Path("/a") -> setPath("/x") -> <forward>;
		b: Path("/b") -> setPath("/y") -> "http://b.example";
		c: * -> <forward>;
		d: Path("/d") -> <shunt>;
	`
	for _, tc := range []struct {
		id      string
		backend string
		typ     eskip.BackendType
		filters int
	}{
		{"a", "http://fwd.example:8080", eskip.NetworkBackend, 0},
		{"b", "http://b.example", eskip.NetworkBackend, 1},
		{"c", "http://fwd.example:8080", eskip.NetworkBackend, 0},
		{"d", "", eskip.ShuntBackend, 0},
	} {
		t.Run(tc.id, func(t *testing.T) {
			defs, err := eskip.Parse(doc)
			if err != nil {
				t.Fatal(err)
			}
			orig := eskip.String(defs...)
			pp, err := NewForwardResolver("http://fwd.example:8080")
			if err != nil {
				t.Fatal(err)
			}
			out := pp.Do(defs)
			if len(out) != len(defs) {
				t.Fatalf("got %d routes, want %d", len(out), len(defs))
			}
			if got := eskip.String(defs...); got != orig {
				t.Errorf("input changed:\n%s\nwant\n%s", got, orig)
			}
			var r *eskip.Route
			for _, o := range out {
				if o.Id == tc.id {
					r = o
				}
			}
			if r == nil {
				t.Fatalf("route %s missing", tc.id)
			}
			if r.BackendType != tc.typ || r.Backend != tc.backend || len(r.Filters) != tc.filters {
				t.Errorf("got %v %q %d filters, want %v %q %d", r.BackendType, r.Backend, len(r.Filters), tc.typ, tc.backend, tc.filters)
			}
		})
	}
}

func TestForwardResolverNoForwardKeepsSlice(t *testing.T) {
	defs, err := eskip.Parse(`a: * -> "http://a.example"`)
	if err != nil {
		t.Fatal(err)
	}
	pp, _ := NewForwardResolver("http://fwd.example")
	if out := pp.Do(defs); &out[0] != &defs[0] {
		t.Error("routes without <forward> were copied")
	}
	if rl, ok := pp.(RouteLocalPreProcessor); !ok || !rl.RouteLocal() {
		t.Error("forward resolver is not route-local")
	}
}

func TestForwardResolverBuild(t *testing.T) {
	defs, err := eskip.Parse(`a: Path("/a") -> <forward>`)
	if err != nil {
		t.Fatal(err)
	}
	pp, _ := NewForwardResolver("https://fwd.example")
	tbl := Build(defs, BuildOptions{PreProcessors: []PreProcessor{pp}})
	rs := tbl.Routes()
	if len(rs) != 1 || rs[0].Scheme != "https" || rs[0].Host != "fwd.example:443" || rs[0].BackendType != eskip.NetworkBackend {
		t.Fatalf("routes %+v invalid %+v", rs, tbl.Invalid())
	}
}
