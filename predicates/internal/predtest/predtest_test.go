package predtest

import (
	"errors"
	"net/http"
	"testing"

	"github.com/skiff-proxy/skiff/filters/specargs"
	"github.com/skiff-proxy/skiff/routing"
)

// recorder notes failures instead of ending the test.
type recorder struct {
	testing.TB
	errors, fatals int
}

func (r *recorder) Helper()               {}
func (r *recorder) Errorf(string, ...any) { r.errors++ }
func (r *recorder) Fatalf(string, ...any) { r.fatals++ }

type always struct{}

func (always) Match(*http.Request) bool { return true }

type spec struct{ err error }

func (spec) Name() string { return "S" }
func (s spec) Create([]any) (routing.Predicate, error) {
	if s.err != nil {
		return nil, s.err
	}
	return always{}, nil
}

func TestCreate(t *testing.T) {
	invalid := specargs.Predicate("S", nil).Errorf("bad")
	for _, tc := range []struct {
		name           string
		err            error
		wantErr        bool
		errors, fatals int
		pred           bool
	}{
		{"created", nil, false, 0, 0, true},
		{"failed", errors.New("other"), false, 0, 1, false},
		{"invalid as wanted", invalid, true, 0, 0, false},
		{"other error", errors.New("other"), true, 1, 0, false},
		{"created though invalid wanted", nil, true, 1, 0, false},
	} {
		r := &recorder{TB: t}
		p := Create(r, spec{tc.err}, nil, tc.wantErr)
		if r.errors != tc.errors || r.fatals != tc.fatals || (p != nil) != tc.pred {
			t.Errorf("%s: errors %d fatals %d predicate %v, want %d %d %v", tc.name, r.errors, r.fatals, p != nil, tc.errors, tc.fatals, tc.pred)
		}
	}
}
