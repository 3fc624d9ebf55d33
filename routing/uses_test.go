package routing

import (
	"testing"

	"github.com/skiff-proxy/skiff/eskip"
)

func TestUsesPredicate(t *testing.T) {
	defs, err := eskip.Parse(`
		a: PathSubtree("/a") && True() -> <shunt>;
		b: Path("/b") && Host("^b$") -> <shunt>;
		bad: Nope() && False() -> <shunt>;
	`)
	if err != nil {
		t.Fatal(err)
	}
	tbl := Build(defs, testOptions())
	for name, want := range map[string]bool{
		"PathSubtree": true,
		"True":        true,
		"Host":        false, // lifted into its own field
		"Nope":        false, // only in an invalid route
		"False":       false,
	} {
		if got := tbl.UsesPredicate(name); got != want {
			t.Errorf("UsesPredicate(%q) = %v, want %v", name, got, want)
		}
	}
}
