package annotate

import (
	"github.com/skiff-proxy/skiff/filters"
	"github.com/skiff-proxy/skiff/filters/specargs"
)

// StateBagKey is the state-bag key under which annotate keeps a request's
// annotations, a map[string]string: skipper's key, so filters ported from
// skipper that read the bag directly keep working.
const StateBagKey = "filter.annotate"

// Specs returns the specs of annotate and originMarker.
func Specs() []filters.Spec {
	return []filters.Spec{annotateSpec{}, originMarkerSpec{}}
}

type annotateSpec struct{}

func (annotateSpec) Name() string { return "annotate" }

func (s annotateSpec) CreateFilter(args []any) (filters.Filter, error) {
	a := specargs.Filter(s.Name(), args)
	if err := a.Count(2, 2); err != nil {
		return nil, err
	}
	key, err := a.String(0, "key")
	if err != nil {
		return nil, err
	}
	value, err := a.String(1, "value")
	if err != nil {
		return nil, err
	}
	return &annotateFilter{key: key, value: value}, nil
}

type annotateFilter struct{ key, value string }

// Request adds the annotation; a later annotate with the same key, of
// this route or of a route reached through loopback, overwrites it.
func (f *annotateFilter) Request(ctx filters.FilterContext) {
	bag := ctx.StateBag()
	m, ok := bag[StateBagKey].(map[string]string)
	if !ok || m == nil {
		// Absent, or something else under the key: start afresh rather
		// than fail (skipper would panic on a foreign value).
		m = make(map[string]string, 2)
		bag[StateBagKey] = m
	}
	m[f.key] = f.value
}

func (*annotateFilter) Response(filters.FilterContext) {}

// Annotations returns the annotations the annotate filters that ran so far
// for this request set, or nil when none did. The map belongs to the
// request: read it while the filter method that asked runs, and do not
// change it.
func Annotations(ctx filters.FilterContext) map[string]string {
	m, _ := ctx.StateBag()[StateBagKey].(map[string]string)
	return m
}

// GetAnnotations is Annotations under skipper's name, so ported filters
// compile unchanged.
func GetAnnotations(ctx filters.FilterContext) map[string]string { return Annotations(ctx) }
