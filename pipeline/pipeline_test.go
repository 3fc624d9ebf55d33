package pipeline

import (
	"errors"
	"strings"
	"testing"

	"github.com/skiff-proxy/skiff/eskip"
)

func TestConfigErrors(t *testing.T) {
	for _, tc := range []struct {
		name       string
		c          Config
		wantOption string // Error.Option; "" for success
	}{
		{"valid", Config{EditRoute: []string{`/a/b/`}, CloneRoute: []string{`#a#b#`}}, ""},
		{"edit too few parts", Config{EditRoute: []string{`/a/b`}}, "edit-route"},
		{"edit bad regexp", Config{EditRoute: []string{`/(/b/`}}, "edit-route"},
		{"clone too many parts", Config{CloneRoute: []string{`/a/b/c/`}}, "clone-route"},
		{"clone empty", Config{CloneRoute: []string{``}}, "clone-route"},
		{"bad default filters", Config{DefaultFiltersPrepend: []string{`a(`}}, "default-filters-prepend"},
		{"bad forward backend", Config{ForwardBackendURL: "ftp://x"}, "forward-backend-url"},
		{"bad inline routes", Config{InlineRoutes: `r: * ->`}, "inline-routes"},
		{"missing routes file", Config{RoutesFiles: []string{"/does/not/exist.eskip"}}, "routes-file"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p, err := New(tc.c)
			if err == nil {
				p.Close()
			}
			var ce *Error
			switch {
			case tc.wantOption == "" && err != nil:
				t.Fatalf("unexpected error %v", err)
			case tc.wantOption != "" && (!errors.As(err, &ce) || ce.Option != tc.wantOption):
				t.Fatalf("got %v, want a ConfigError for %s", err, tc.wantOption)
			}
		})
	}
}

// The order: default filters, clone, edit, custom, <forward>.
func TestPreProcessorOrder(t *testing.T) {
	p, err := New(Config{
		DefaultFiltersPrepend: []string{`aaa()`},
		CloneRoute:            []string{`/aaa/bbb/`},
		EditRoute:             []string{`/bbb/ccc/`},
		ForwardBackendURL:     "http://fwd.example",
	})
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	defs, err := eskip.Parse(`r: * -> <shunt>; f: * -> xxx() -> <forward>`)
	if err != nil {
		t.Fatal(err)
	}
	for _, pp := range p.Build.PreProcessors {
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
