package backend

import (
	"github.com/skiff-proxy/skiff/filters"
	"github.com/skiff-proxy/skiff/filters/specargs"
)

// AccessLog is the per-route access-log switch stored under
// filters.AccessLogEnabled. It is shared by all requests of a route and
// must not be modified.
type AccessLog struct {
	// Enable is true for enableAccessLog and accessLogDisabled("false").
	Enable bool
	// Prefixes restrict the switch to matching statuses: 1 digit d covers
	// d00-d99, 2 digits dd cover dd0-dd9, 3 digits one status.
	Prefixes []int
}

// AccessLogEnabled reports whether a response with status should be logged: with no
// prefixes the switch applies to every status; otherwise the line is
// written iff (some prefix matches) == Enable.
func (a *AccessLog) AccessLogEnabled(status int) bool {
	if len(a.Prefixes) == 0 {
		return a.Enable
	}
	match := false
	for _, p := range a.Prefixes {
		switch {
		case p < 10:
			match = status/100 == p
		case p < 100:
			match = status/10 == p
		default:
			match = status == p
		}
		if match {
			break
		}
	}
	return match == a.Enable
}

type accessLogDisabledSpec struct{}

func (accessLogDisabledSpec) Name() string { return "accessLogDisabled" }

func (s accessLogDisabledSpec) CreateFilter(args []any) (filters.Filter, error) {
	disabled, err := specargs.Filter(s.Name(), args).Flag()
	if err != nil {
		return nil, err
	}
	return &stateValue{key: filters.AccessLogEnabled, value: &AccessLog{Enable: !disabled}}, nil
}

type accessLogSpec struct {
	name   string
	enable bool
}

func (s accessLogSpec) Name() string { return s.name }

func (s accessLogSpec) CreateFilter(args []any) (filters.Filter, error) {
	a := specargs.Filter(s.name, args)
	l := &AccessLog{Enable: s.enable}
	for i := range args {
		p, err := a.Int(i, "status prefix")
		if err != nil {
			return nil, err
		}
		if p < 1 || p > 999 {
			return nil, a.Errorf("argument %d (status prefix) must be 1-999, got %d", i+1, p)
		}
		l.Prefixes = append(l.Prefixes, p)
	}
	return &stateValue{key: filters.AccessLogEnabled, value: l}, nil
}
