package main

import (
	"fmt"

	"github.com/skiff-proxy/skiff/filters"
)

// greetingSpec creates greeting filters. Arguments are checked once, when
// the route is built; a bad argument makes only that route invalid.
type greetingSpec struct{}

func (greetingSpec) Name() string { return "greeting" }

func (greetingSpec) CreateFilter(args []any) (filters.Filter, error) {
	if len(args) != 1 {
		return nil, fmt.Errorf("greeting: want one argument, the name: %w", filters.ErrInvalidFilterParameters)
	}
	name, ok := args[0].(string)
	if !ok || name == "" {
		return nil, fmt.Errorf("greeting: name must be a non-empty string, got %v: %w", args[0], filters.ErrInvalidFilterParameters)
	}
	// Build the header value once here, not on every request.
	return greeting{value: "Hello, " + name}, nil
}

type greeting struct{ value string }

func (g greeting) Request(ctx filters.FilterContext) {
	ctx.Request().Header.Set("X-Greeting", g.value)
}

func (g greeting) Response(ctx filters.FilterContext) {
	ctx.Response().Header.Set("X-Greeted", "true")
}
