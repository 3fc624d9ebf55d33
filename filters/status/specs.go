package status

import "github.com/skiff-proxy/skiff/filters"

// Specs returns the status and content filter specs.
func Specs() []filters.Spec {
	return []filters.Spec{statusSpec{}, inlineSpec{}, inlineIfStatusSpec{}, staticSpec{}, loopbackIfStatusSpec{}, healthcheckSpec{}, commentSpec{}}
}
