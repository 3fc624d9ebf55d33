package admin

import (
	"testing"

	"github.com/skiff-proxy/skiff/eskip"
	"github.com/skiff-proxy/skiff/routing"
)

// countingSource hands out one table and counts Acquire and Release.
type countingSource struct {
	t        *routing.Table
	acquired int
}

func (s *countingSource) Acquire() *routing.Table { s.acquired++; return s.t }

func TestSnapshotsOf(t *testing.T) {
	defs, err := eskip.Parse(`a: Path("/a") -> <shunt>; b: * -> unknownFilter() -> <shunt>`)
	if err != nil {
		t.Fatal(err)
	}
	src := &countingSource{t: routing.Build(defs, routing.BuildOptions{})}
	snap := SnapshotsOf(src)()
	if src.acquired != 1 {
		t.Errorf("acquired %d times", src.acquired)
	}
	if len(snap.Valid) != 1 || snap.Valid[0].Id != "a" {
		t.Errorf("valid %v", snap.Valid)
	}
	if len(snap.Invalid) != 1 || snap.Invalid[0].Id != "b" || snap.Invalid[0].Reason != routing.ReasonUnknownFilter {
		t.Errorf("invalid %+v", snap.Invalid)
	}
	if snap.Created.IsZero() {
		t.Error("no creation time")
	}
}
