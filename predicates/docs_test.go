package predicates

import (
	"os"
	"strings"
	"testing"

	"github.com/skiff-proxy/skiff/eskip"
	"github.com/skiff-proxy/skiff/routing"
)

// Every example in docs/predicates.md must parse, and each of its predicates
// that this package provides must accept its arguments.
func TestDocumentationExamples(t *testing.T) {
	text, err := os.ReadFile("../docs/predicates.md")
	if err != nil {
		t.Skip("docs not found:", err)
	}
	reg := routing.PredicateRegistry{}
	Register(reg, Options{})
	blocks := strings.Split(string(text), "```")
	checked := map[string]bool{}
	for i := 1; i < len(blocks); i += 2 {
		block := blocks[i]
		routes, err := eskip.ParseDocument("example", []byte(block))
		if err != nil {
			t.Errorf("example does not parse: %v\n%s", err, block)
			continue
		}
		for _, r := range routes {
			for _, p := range r.Predicates {
				spec, ok := reg[p.Name]
				if !ok {
					continue
				}
				if _, err := spec.Create(p.Args); err != nil {
					t.Errorf("%s: %v", r.Id, err)
				}
				checked[p.Name] = true
			}
		}
	}
	for name := range reg {
		if !checked[name] {
			t.Errorf("no example uses %s", name)
		}
	}
}
