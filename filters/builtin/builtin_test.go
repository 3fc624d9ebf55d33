package builtin

import (
	"os"
	"regexp"
	"strings"
	"testing"

	"github.com/skiff-proxy/skiff/filters"
	"github.com/skiff-proxy/skiff/filters/breaker"
	"github.com/skiff-proxy/skiff/filters/ratelimit"
	"github.com/skiff-proxy/skiff/filters/tee"
)

// issueNames are the filters the proxy must offer (issue list).
var issueNames = []string{
	"setRequestHeader", "setResponseHeader", "appendRequestHeader", "appendResponseHeader",
	"dropRequestHeader", "dropResponseHeader", "copyRequestHeader", "copyResponseHeader",
	"modRequestHeader", "modResponseHeader", "setPath", "modPath", "setQuery", "dropQuery",
	"stripQuery", "preserveHost", "redirectTo", "redirectToLower", "status", "inlineContent",
	"inlineContentIfStatus", "responseCookie", "requestCookie", "backendTimeout", "readTimeout",
	"writeTimeout", "consecutiveBreaker", "rateBreaker", "disableBreaker", "clientRatelimit",
	"ratelimit", "compress", "corsOrigin", "headerToQuery", "queryToHeader", "flowId",
	"accessLogDisabled", "tee", "setDynamicBackendUrl", "fadeIn", "consistentHashKey",
}

// full returns Options with every stateful part, closed at the end of t.
func full(t *testing.T) Options {
	t.Helper()
	limits := ratelimit.NewRegistry(ratelimit.Options{})
	shadow := tee.NewShadow(tee.Options{})
	t.Cleanup(func() {
		limits.Close()
		shadow.Close()
	})
	return Options{Breakers: breaker.NewRegistry(breaker.Options{}), Ratelimits: limits, Shadow: shadow}
}

func TestRegistryHasEveryFilter(t *testing.T) {
	reg, err := Registry(full(t))
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range issueNames {
		s, ok := reg[name]
		if !ok {
			t.Errorf("filter %s not registered", name)
			continue
		}
		if s.Name() != name {
			t.Errorf("registry key %s holds spec %s", name, s.Name())
		}
	}
	// Names beyond the issue's list that the docs promise.
	for _, name := range []string{"teenf", "hostBreaker", "xforward", "static", "jsCookie", "enableAccessLog"} {
		if _, ok := reg[name]; !ok {
			t.Errorf("filter %s not registered", name)
		}
	}
}

func TestRegistryOptional(t *testing.T) {
	tests := []struct {
		name    string
		o       Options
		present []string
		absent  []string
	}{
		{name: "nothing stateful", o: Options{},
			present: []string{"consecutiveBreaker", "rateBreaker", "disableBreaker", "hostBreaker", "setPath"},
			absent:  []string{"ratelimit", "clientRatelimit", "tee", "teenf"}},
		{name: "everything", o: full(t),
			present: []string{"ratelimit", "clientRatelimit", "tee", "teenf", "consecutiveBreaker"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			reg, err := Registry(tc.o)
			if err != nil {
				t.Fatal(err)
			}
			for _, n := range tc.present {
				if _, ok := reg[n]; !ok {
					t.Errorf("%s missing", n)
				}
			}
			for _, n := range tc.absent {
				if _, ok := reg[n]; ok {
					t.Errorf("%s registered", n)
				}
			}
		})
	}
}

// Breaker filters without a registry must still reject bad arguments, so
// that `skiff check` and route loading report them.
func TestNilBreakersCheckArguments(t *testing.T) {
	reg, err := Registry(Options{})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := reg["consecutiveBreaker"].CreateFilter([]any{"x"}); err == nil {
		t.Error("consecutiveBreaker(\"x\") accepted")
	}
	if _, err := reg["consecutiveBreaker"].CreateFilter([]any{float64(5)}); err != nil {
		t.Errorf("consecutiveBreaker(5): %v", err)
	}
}

type named string

func (n named) Name() string                               { return string(n) }
func (n named) CreateFilter([]any) (filters.Filter, error) { return nil, nil }

func TestAssembleCollisions(t *testing.T) {
	tests := []struct {
		name    string
		groups  []group
		wantErr string
		size    int
	}{
		{name: "distinct", groups: []group{{"a", []filters.Spec{named("x"), named("y")}}, {"b", []filters.Spec{named("z")}}}, size: 3},
		{name: "across folders", groups: []group{{"a", []filters.Spec{named("x")}}, {"b", []filters.Spec{named("y"), named("x")}}},
			wantErr: `built-in filter "x" registered by both a and b`},
		{name: "within a folder", groups: []group{{"a", []filters.Spec{named("x"), named("x")}}},
			wantErr: `built-in filter "x" registered by both a and a`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			reg, err := assemble(tc.groups)
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("err %v, want %q", err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if len(reg) != tc.size {
				t.Errorf("%d specs, want %d", len(reg), tc.size)
			}
		})
	}
}

// The real folders must not collide with each other in any configuration.
func TestNoCollisionsInRealFolders(t *testing.T) {
	seen := map[string]string{}
	for _, g := range groups(full(t)) {
		for _, s := range g.specs {
			if prev, ok := seen[s.Name()]; ok {
				t.Errorf("%s registered by %s and %s", s.Name(), prev, g.pkg)
			}
			seen[s.Name()] = g.pkg
		}
	}
	if len(seen) < len(issueNames) {
		t.Errorf("only %d filters", len(seen))
	}
}

// docs/filters.md and docs/filters-more.md list every registered filter as
// `name(`, and name no filter that is not registered.
func TestDocsListEveryFilter(t *testing.T) {
	var docs strings.Builder
	for _, p := range []string{"../../docs/filters.md", "../../docs/filters-more.md"} {
		b, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		docs.Write(b)
	}
	text := docs.String()
	reg, err := Registry(full(t))
	if err != nil {
		t.Fatal(err)
	}
	for name := range reg {
		if !strings.Contains(text, "`"+name+"(") {
			t.Errorf("docs do not list filter %s", name)
		}
	}
	for _, m := range regexp.MustCompile("`([a-z][A-Za-z0-9]*)\\(").FindAllStringSubmatch(text, -1) {
		if _, ok := reg[m[1]]; !ok {
			t.Errorf("docs list %s, which is not registered", m[1])
		}
	}
}
