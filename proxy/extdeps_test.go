package proxy

import (
	"os/exec"
	"strings"
	"testing"
)

// TestNoPluginImports keeps the proxy independent of concrete filters and
// predicates: it meets them only through the types and keys of package
// filters (and routing), so a custom build can leave any plugin out.
func TestNoPluginImports(t *testing.T) {
	if testing.Short() {
		t.Skip("runs go list")
	}
	goTool, err := exec.LookPath("go")
	if err != nil {
		t.Skip("no go tool on PATH")
	}
	out, err := exec.Command(goTool, "list", "-deps", ".").Output()
	if err != nil {
		t.Fatalf("go list: %v", err)
	}
	const mod = "github.com/skiff-proxy/skiff/"
	for _, pkg := range strings.Fields(string(out)) {
		rest, ok := strings.CutPrefix(pkg, mod)
		if !ok {
			continue
		}
		if strings.HasPrefix(rest, "filters/") || strings.HasPrefix(rest, "predicates/") {
			t.Errorf("proxy depends on %s", pkg)
		}
	}
}
