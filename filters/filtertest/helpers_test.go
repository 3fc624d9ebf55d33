package filtertest

import (
	"errors"
	"testing"

	"github.com/skiff-proxy/skiff/filters"
)

// recorder notes failures instead of ending the test.
type recorder struct {
	testing.TB
	errors, fatals int
}

func (r *recorder) Helper()               {}
func (r *recorder) Errorf(string, ...any) { r.errors++ }
func (r *recorder) Fatalf(string, ...any) { r.fatals++ }

type noop struct{}

func (noop) Request(filters.FilterContext)  {}
func (noop) Response(filters.FilterContext) {}

// fixedSpec fails with err, or succeeds when err is nil.
type fixedSpec struct {
	name string
	err  error
}

func (s fixedSpec) Name() string { return s.name }
func (s fixedSpec) CreateFilter([]any) (filters.Filter, error) {
	if s.err != nil {
		return nil, s.err
	}
	return noop{}, nil
}

func invalid(msg string) error {
	return errors.Join(errors.New(msg), filters.ErrInvalidFilterParameters)
}

func TestSpec(t *testing.T) {
	specs := []filters.Spec{fixedSpec{name: "a"}, fixedSpec{name: "b"}}
	r := &recorder{TB: t}
	if s := Spec(r, specs, "b"); s == nil || s.Name() != "b" || r.fatals != 0 {
		t.Errorf("Spec(b) = %v, fatals %d", s, r.fatals)
	}
	if s := Spec(r, specs, "c"); s != nil || r.fatals != 1 {
		t.Errorf("Spec(c) = %v, fatals %d", s, r.fatals)
	}
}

func TestCheckCreate(t *testing.T) {
	for _, tc := range []struct {
		name   string
		err    error
		bad    string
		errors int
	}{
		{"accepted", nil, "", 0},
		{"rejected unexpectedly", invalid("f: argument 1"), "", 1},
		{"rejected", invalid("f: argument 1 is bad"), "argument 1", 0},
		{"accepted unexpectedly", nil, "argument 1", 1},
		{"other text", invalid("f: argument 2 is bad"), "argument 1", 1},
		{"not naming the filter first", invalid("argument 1 of f"), "argument 1", 1},
		{"not wrapping the sentinel", errors.New("f: argument 1"), "argument 1", 1},
	} {
		r := &recorder{TB: t}
		CheckCreate(r, fixedSpec{name: "f", err: tc.err}, nil, tc.bad)
		if r.errors != tc.errors || r.fatals != 0 {
			t.Errorf("%s: %d errors %d fatals, want %d errors", tc.name, r.errors, r.fatals, tc.errors)
		}
	}
}
