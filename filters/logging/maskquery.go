package logging

import (
	"github.com/skiff-proxy/skiff/accesslog"
	"github.com/skiff-proxy/skiff/filters"
	"github.com/skiff-proxy/skiff/filters/specargs"
)

type maskAccessLogQuerySpec struct{}

func (maskAccessLogQuerySpec) Name() string { return "maskAccessLogQuery" }

// CreateFilter takes one or more parameter names, none empty.
func (s maskAccessLogQuerySpec) CreateFilter(args []any) (filters.Filter, error) {
	a := specargs.Filter(s.Name(), args)
	if err := a.Count(1, -1); err != nil {
		return nil, err
	}
	f := &maskAccessLogQuery{keys: make([]string, 0, len(args))}
	for i := range args {
		k, err := a.NonEmptyString(i, "query parameter")
		if err != nil {
			return nil, err
		}
		f.keys = append(f.keys, k)
	}
	return f, nil
}

type maskAccessLogQuery struct{ keys []string }

// Request adds the filter's parameter names to the request's set under
// accesslog.MaskedQueryParamsKey, making the set and the additional fields' map
// when there are none yet. Both belong to the request: they are made per
// request, so nothing shared is ever changed.
func (f *maskAccessLogQuery) Request(ctx filters.FilterContext) {
	bag := ctx.StateBag()
	add, ok := bag[filters.AccessLogAdditional].(map[string]any)
	if !ok || add == nil {
		add = make(map[string]any, 1)
		bag[filters.AccessLogAdditional] = add
	}
	set, ok := add[accesslog.MaskedQueryParamsKey].(map[string]struct{})
	if !ok || set == nil {
		set = make(map[string]struct{}, len(f.keys))
		add[accesslog.MaskedQueryParamsKey] = set
	}
	for _, k := range f.keys {
		set[k] = struct{}{}
	}
}

func (*maskAccessLogQuery) Response(filters.FilterContext) {}
