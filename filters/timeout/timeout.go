package timeout

import (
	"github.com/skiff-proxy/skiff/filters"
	"github.com/skiff-proxy/skiff/filters/specargs"
)

// Specs returns the timeout filter specs.
func Specs() []filters.Spec {
	return []filters.Spec{
		spec{name: "backendTimeout", key: filters.BackendTimeout},
		spec{name: "readTimeout", key: filters.ReadTimeout},
		spec{name: "writeTimeout", key: filters.WriteTimeout},
	}
}

type spec struct{ name, key string }

func (s spec) Name() string { return s.name }

// CreateFilter takes a duration string ("1.5s") or a time.Duration; zero and
// negative timeouts are rejected because they could only fail every request.
func (s spec) CreateFilter(args []any) (filters.Filter, error) {
	a := specargs.Filter(s.name, args)
	if err := a.Count(1, 1); err != nil {
		return nil, err
	}
	d, err := a.Duration(0, "timeout", false)
	if err != nil {
		return nil, err
	}
	if d <= 0 {
		return nil, a.Errorf("argument 1 (timeout) must be positive, got %v", d)
	}
	// Boxing once here keeps the request path free of allocations.
	return &filter{key: s.key, value: d}, nil
}

type filter struct {
	key   string
	value any // time.Duration
}

func (f *filter) Request(ctx filters.FilterContext) { ctx.StateBag()[f.key] = f.value }
func (*filter) Response(filters.FilterContext)      {}
