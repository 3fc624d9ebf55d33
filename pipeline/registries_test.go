package pipeline

import (
	"testing"

	"github.com/skiff-proxy/skiff/filters"
	"github.com/skiff-proxy/skiff/routing"
)

type namedSpec string

func (n namedSpec) Name() string                               { return string(n) }
func (n namedSpec) CreateFilter([]any) (filters.Filter, error) { return nil, nil }

type namedPredicate string

func (n namedPredicate) Name() string                            { return string(n) }
func (n namedPredicate) Create([]any) (routing.Predicate, error) { return nil, nil }

func TestRegistries(t *testing.T) {
	hookRan := false
	c := &Config{
		Filters:         []filters.Spec{namedSpec("setPath"), namedSpec("mine")},
		DisabledFilters: []string{"tee", "mine2"},
		Predicates:      []routing.PredicateSpec{namedPredicate("Mine")},
		RegisterFilters: func(r filters.Registry) {
			hookRan = true
			if _, ok := r["mine"]; !ok {
				t.Error("hook ran before the custom filters were registered")
			}
			r.Register(namedSpec("fromHook"))
		},
	}
	reg, preds, _, closeFilters, err := registries(c)
	if err != nil {
		t.Fatal(err)
	}
	defer closeFilters()
	if !hookRan {
		t.Error("RegisterFilters not called")
	}
	if s, ok := reg["setPath"]; !ok || s != namedSpec("setPath") {
		t.Error("custom spec did not replace the built-in of the same name")
	}
	for _, name := range []string{"mine", "fromHook", "setRequestHeader", "inlineContent", "backendTimeout", "consecutiveBreaker"} {
		if _, ok := reg[name]; !ok {
			t.Errorf("filter %s missing", name)
		}
	}
	if _, ok := reg["tee"]; ok {
		t.Error("disabled filter tee still registered")
	}
	if _, ok := reg["ratelimit"]; ok {
		t.Error("ratelimit registered without EnableRatelimits")
	}
	for _, name := range []string{"Mine", "Shutdown", "Cookie"} {
		if _, ok := preds[name]; !ok {
			t.Errorf("predicate %s missing", name)
		}
	}

	c = &Config{EnableRatelimits: true}
	reg, _, _, closeFilters2, _ := registries(c)
	defer closeFilters2()
	for _, name := range []string{"ratelimit", "clientRatelimit", "tee", "teenf", "hostBreaker"} {
		if _, ok := reg[name]; !ok {
			t.Errorf("%s missing with EnableRatelimits", name)
		}
	}
}
