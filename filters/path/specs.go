package path

import "github.com/skiff-proxy/skiff/filters"

// Specs returns the path, query and host filter specs.
func Specs() []filters.Spec {
	return []filters.Spec{
		setPathSpec{},
		modPathSpec{},
		setQuerySpec{},
		dropQuerySpec{},
		stripQuerySpec{},
		preserveHostSpec{},
		rfcHostSpec{},
		rfcPathSpec{},
	}
}
