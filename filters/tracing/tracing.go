package tracing

import (
	"fmt"
	"net/http"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/baggage"
	"go.opentelemetry.io/otel/trace"

	"github.com/skiff-proxy/skiff/filters"
	"github.com/skiff-proxy/skiff/filters/specargs"
	"github.com/skiff-proxy/skiff/filters/template"
)

// SpanNameKey is the state-bag key under which tracingSpanName leaves the
// name of the span of the backend call (skipper's key; skipper's default
// name is "proxy").
const SpanNameKey = "statebag:opentracing:proxy:span"

// Specs returns the specs of the tracing filters.
func Specs() []filters.Spec {
	return []filters.Spec{
		tagSpec{name: "tracingTag", phase: onRequest},
		tagSpec{name: "tracingTagFromResponse", phase: onResponse},
		tagSpec{name: "tracingTagFromResponseIfStatus", phase: onResponseIfStatus},
		stateBagToTagSpec{},
		baggageToTagSpec{},
		spanNameSpec{},
	}
}

// recordingSpan is the span of the request's context when it records,
// else nil.
func recordingSpan(r *http.Request) trace.Span {
	if s := trace.SpanFromContext(r.Context()); s.IsRecording() {
		return s
	}
	return nil
}

type phase uint8

const (
	onRequest phase = iota
	onResponse
	onResponseIfStatus
)

type tagSpec struct {
	name  string
	phase phase
}

func (s tagSpec) Name() string { return s.name }

// CreateFilter takes the tag's name and value (a template); the IfStatus
// variant also the lowest and highest status code it acts on, 0 to 599.
func (s tagSpec) CreateFilter(args []any) (filters.Filter, error) {
	a := specargs.Filter(s.name, args)
	n := 2
	if s.phase == onResponseIfStatus {
		n = 4
	}
	if err := a.Count(n, n); err != nil {
		return nil, err
	}
	name, err := a.String(0, "tag name")
	if err != nil {
		return nil, err
	}
	value, err := a.String(1, "tag value")
	if err != nil {
		return nil, err
	}
	f := &tagFilter{name: name, value: template.New(value), phase: s.phase}
	if s.phase == onResponseIfStatus {
		if f.min, err = a.Int(2, "lowest status"); err != nil {
			return nil, err
		}
		if f.max, err = a.Int(3, "highest status"); err != nil {
			return nil, err
		}
		if f.min < 0 || f.max > 599 || f.min > f.max {
			return nil, a.Errorf("status range %d to %d: want 0 <= lowest <= highest <= 599", f.min, f.max)
		}
	}
	return f, nil
}

type tagFilter struct {
	name     string
	value    *template.Template
	phase    phase
	min, max int
}

func (f *tagFilter) Request(ctx filters.FilterContext) {
	if f.phase == onRequest {
		f.tag(ctx)
	}
}

func (f *tagFilter) Response(ctx filters.FilterContext) {
	switch f.phase {
	case onResponse:
		f.tag(ctx)
	case onResponseIfStatus:
		if rsp := ctx.Response(); rsp != nil && f.min <= rsp.StatusCode && rsp.StatusCode <= f.max {
			f.tag(ctx)
		}
	}
}

// tag sets the attribute, unless a placeholder of the value is empty.
func (f *tagFilter) tag(ctx filters.FilterContext) {
	span := recordingSpan(ctx.Request())
	if span == nil {
		return
	}
	if v, ok := f.value.Render(ctx); ok {
		span.SetAttributes(attribute.String(f.name, v))
	}
}

// itemAndTag reads the arguments of stateBagToTag and tracingBaggageToTag:
// the item's name and optionally the tag's, both non-empty; the tag is
// named like the item by default.
func itemAndTag(a specargs.Args, item string) (string, string, error) {
	if err := a.Count(1, 2); err != nil {
		return "", "", err
	}
	key, err := a.NonEmptyString(0, item)
	if err != nil {
		return "", "", err
	}
	tag := key
	if a.Len() == 2 {
		if tag, err = a.NonEmptyString(1, "tag name"); err != nil {
			return "", "", err
		}
	}
	return key, tag, nil
}

type stateBagToTagSpec struct{}

func (stateBagToTagSpec) Name() string { return "stateBagToTag" }

func (s stateBagToTagSpec) CreateFilter(args []any) (filters.Filter, error) {
	key, tag, err := itemAndTag(specargs.Filter(s.Name(), args), "state bag key")
	if err != nil {
		return nil, err
	}
	return &stateBagToTag{key: key, tag: tag}, nil
}

type stateBagToTag struct{ key, tag string }

// Request tags the span with the state-bag value (strings as they are,
// other types formatted with fmt); nothing when the key is absent.
func (f *stateBagToTag) Request(ctx filters.FilterContext) {
	v, ok := ctx.StateBag()[f.key]
	if !ok {
		return
	}
	span := recordingSpan(ctx.Request())
	if span == nil {
		return
	}
	s, ok := v.(string)
	if !ok {
		s = fmt.Sprint(v)
	}
	span.SetAttributes(attribute.String(f.tag, s))
}

func (*stateBagToTag) Response(filters.FilterContext) {}

type baggageToTagSpec struct{}

func (baggageToTagSpec) Name() string { return "tracingBaggageToTag" }

func (s baggageToTagSpec) CreateFilter(args []any) (filters.Filter, error) {
	item, tag, err := itemAndTag(specargs.Filter(s.Name(), args), "baggage item")
	if err != nil {
		return nil, err
	}
	return &baggageToTag{item: item, tag: tag}, nil
}

type baggageToTag struct{ item, tag string }

// Request tags the span with the baggage item of the request's context;
// nothing when it is absent or empty.
func (f *baggageToTag) Request(ctx filters.FilterContext) {
	r := ctx.Request()
	span := recordingSpan(r)
	if span == nil {
		return
	}
	if v := baggage.FromContext(r.Context()).Member(f.item).Value(); v != "" {
		span.SetAttributes(attribute.String(f.tag, v))
	}
}

func (*baggageToTag) Response(filters.FilterContext) {}

type spanNameSpec struct{}

func (spanNameSpec) Name() string { return "tracingSpanName" }

func (s spanNameSpec) CreateFilter(args []any) (filters.Filter, error) {
	a := specargs.Filter(s.Name(), args)
	if err := a.Count(1, 1); err != nil {
		return nil, err
	}
	name, err := a.String(0, "span name")
	if err != nil {
		return nil, err
	}
	return &spanName{name: name}, nil
}

// spanName holds the name boxed once, so that storing it costs no
// allocation per request.
type spanName struct{ name any }

// Request leaves the name under SpanNameKey, where the proxy's tracing
// will look for it.
func (f *spanName) Request(ctx filters.FilterContext) { ctx.StateBag()[SpanNameKey] = f.name }

func (*spanName) Response(filters.FilterContext) {}
