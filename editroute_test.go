package skiff

import (
	"errors"
	"strings"
	"testing"

	"github.com/skiff-proxy/skiff/eskip"
)

func TestRouteEditOptions(t *testing.T) {
	for _, tc := range []struct {
		name       string
		o          Options
		wantOption string // ConfigError.Option; "" for success
	}{
		{"valid", Options{EditRoute: []string{`/a/b/`}, CloneRoute: []string{`#a#b#`}}, ""},
		{"edit too few parts", Options{EditRoute: []string{`/a/b`}}, "edit-route"},
		{"edit bad regexp", Options{EditRoute: []string{`/(/b/`}}, "edit-route"},
		{"clone too many parts", Options{CloneRoute: []string{`/a/b/c/`}}, "clone-route"},
		{"clone empty", Options{CloneRoute: []string{``}}, "clone-route"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tc.o.InlineRoutes = `r: * -> <shunt>`
			_, err := resolve(tc.o)
			var ce *ConfigError
			switch {
			case tc.wantOption == "" && err != nil:
				t.Fatalf("unexpected error %v", err)
			case tc.wantOption != "" && (!errors.As(err, &ce) || ce.Option != tc.wantOption):
				t.Fatalf("got %v, want a ConfigError for %s", err, tc.wantOption)
			}
		})
	}
}

// The order is spec routing.md §9: default filters, clone, edit, custom,
// <forward>.
func TestPreProcessorOrder(t *testing.T) {
	c, err := resolve(Options{
		InlineRoutes:          `r: * -> <shunt>`,
		DefaultFiltersPrepend: []string{`aaa()`},
		CloneRoute:            []string{`/aaa/bbb/`},
		EditRoute:             []string{`/bbb/ccc/`},
		ForwardBackendURL:     "http://fwd.example",
	})
	if err != nil {
		t.Fatal(err)
	}
	defs, err := eskip.Parse(`r: * -> <shunt>; f: * -> xxx() -> <forward>`)
	if err != nil {
		t.Fatal(err)
	}
	for _, pp := range c.preProcessors {
		defs = pp.Do(defs)
	}
	want := strings.Join([]string{
		`r: * -> aaa() -> <shunt>;`,
		`f: * -> "http://fwd.example";`,
		`clone_r: * -> ccc() -> <shunt>;`,
		`clone_f: * -> "http://fwd.example";`,
	}, "\n")
	if got := strings.TrimSpace(eskip.String(defs...)); got != want {
		t.Errorf("got\n%s\nwant\n%s", got, want)
	}
}
