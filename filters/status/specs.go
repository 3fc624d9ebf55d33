package status

import "github.com/skiff-proxy/skiff/filters"

// Specs returns the status and content filter specs.
func Specs() []filters.Spec {
	types := newTypeCache()
	return []filters.Spec{statusSpec{}, inlineSpec{types}, inlineIfStatusSpec{types}, staticSpec{}, loopbackIfStatusSpec{}, healthcheckSpec{}, commentSpec{}}
}
