package backend

import (
	"math"
	"time"

	"github.com/skiff-proxy/skiff/eskip"
	"github.com/skiff-proxy/skiff/filters"
	"github.com/skiff-proxy/skiff/filters/specargs"
	"github.com/skiff-proxy/skiff/filters/template"
)

// FadeIn is the fadeIn filter: new endpoints of the route receive traffic
// growing over Duration along a curve with Exponent. The load balancer's
// post-processor reads it from the route's filters; per request it does
// nothing.
type FadeIn struct {
	Duration time.Duration
	Exponent float64
}

// FadeInSetting is how the load balancer reads the filter.
func (f *FadeIn) FadeInSetting() (time.Duration, float64) { return f.Duration, f.Exponent }

func (*FadeIn) Request(filters.FilterContext)  {}
func (*FadeIn) Response(filters.FilterContext) {}

type fadeInSpec struct{}

func (fadeInSpec) Name() string { return "fadeIn" }

func (s fadeInSpec) CreateFilter(args []any) (filters.Filter, error) {
	a := specargs.Filter(s.Name(), args)
	if err := a.Count(1, 2); err != nil {
		return nil, err
	}
	d, err := a.Duration(0, "duration", true)
	if err != nil {
		return nil, err
	}
	if d < 0 {
		return nil, a.Errorf("argument 1 (duration) must not be negative, got %v", d)
	}
	f := &FadeIn{Duration: d, Exponent: 1}
	if len(args) == 2 {
		e, ok := specargs.AsNumber(args[1])
		if !ok || !(e > 0) || math.IsInf(e, 0) { // !(e > 0) refuses NaN too
			return nil, a.Errorf("argument 2 (exponent) must be a positive number, got %T %v", args[1], args[1])
		}
		f.Exponent = e
	}
	return f, nil
}

// EndpointCreated declares when the endpoint Address (normalised to
// scheme://host:port) was created, so fade-in restarts for a re-created
// endpoint. A time in the future is kept as given; the post-processor
// treats it as unknown.
type EndpointCreated struct {
	Address string
	When    time.Time
}

// Created is how the load balancer reads the filter.
func (f *EndpointCreated) Created() (string, time.Time) { return f.Address, f.When }

func (*EndpointCreated) Request(filters.FilterContext)  {}
func (*EndpointCreated) Response(filters.FilterContext) {}

type endpointCreatedSpec struct{}

func (endpointCreatedSpec) Name() string { return "endpointCreated" }

func (s endpointCreatedSpec) CreateFilter(args []any) (filters.Filter, error) {
	a := specargs.Filter(s.Name(), args)
	if err := a.Count(2, 2); err != nil {
		return nil, err
	}
	address, err := a.NonEmptyString(0, "address")
	if err != nil {
		return nil, err
	}
	addr, err := NormalizeEndpoint(address)
	if err != nil {
		return nil, a.Errorf("argument 1 (address): %v", err)
	}
	f := &EndpointCreated{Address: addr}
	switch v := args[1].(type) {
	case string:
		if f.When, err = time.Parse(time.RFC3339, v); err != nil {
			return nil, a.Errorf("argument 2 (time) %q is not RFC 3339: %v", v, err)
		}
	case time.Time:
		f.When = v
	default:
		sec, ok := specargs.AsNumber(v)
		if !ok || !(sec >= 0) || sec > math.MaxInt64/1e9 {
			return nil, a.Errorf("argument 2 (time) must be an RFC 3339 string or unix seconds, got %T %v", v, v)
		}
		whole, frac := math.Modf(sec)
		f.When = time.Unix(int64(whole), int64(frac*1e9))
	}
	return f, nil
}

// NormalizeEndpoint returns address as scheme://host:port with scheme and
// host lower-cased and the scheme's default port filled in: the form of
// eskip.ParseBackendAddress, whose rules (and errors) it has.
func NormalizeEndpoint(address string) (string, error) {
	a, err := eskip.ParseBackendAddress(address)
	if err != nil {
		return "", err
	}
	return a.String(), nil
}

type hashKeySpec struct{}

func (hashKeySpec) Name() string { return "consistentHashKey" }

func (s hashKeySpec) CreateFilter(args []any) (filters.Filter, error) {
	a := specargs.Filter(s.Name(), args)
	if err := a.Count(1, 1); err != nil {
		return nil, err
	}
	k, err := a.NonEmptyString(0, "key template")
	if err != nil {
		return nil, err
	}
	t := template.New(k)
	if t.Static() {
		return &stateValue{key: filters.ConsistentHashKey, value: k}, nil
	}
	return &hashKey{tmpl: t}, nil
}

// hashKey stores the rendered key only when every placeholder had a value,
// so requests lacking one keep the default (client IP) key.
type hashKey struct{ tmpl *template.Template }

func (f *hashKey) Request(ctx filters.FilterContext) {
	if k, ok := f.tmpl.Render(ctx); ok {
		ctx.StateBag()[filters.ConsistentHashKey] = k
	}
}

func (*hashKey) Response(filters.FilterContext) {}

type balanceFactorSpec struct{}

func (balanceFactorSpec) Name() string { return "consistentHashBalanceFactor" }

func (s balanceFactorSpec) CreateFilter(args []any) (filters.Filter, error) {
	a := specargs.Filter(s.Name(), args)
	if err := a.Count(1, 1); err != nil {
		return nil, err
	}
	f, ok := specargs.AsNumber(args[0])
	if !ok || !(f >= 1) || math.IsInf(f, 0) {
		return nil, a.Errorf("argument 1 (balance factor) must be a number >= 1, got %T %v", args[0], args[0])
	}
	return &stateValue{key: filters.ConsistentHashBalance, value: f}, nil
}
