package main

import (
	"os"

	"github.com/skiff-proxy/skiff/config"
	"github.com/skiff-proxy/skiff/filters"
)

func main() { os.Exit(config.Main(extensions())) }

// extensions is everything this binary adds to a plain skiff: one filter.
// It gets every flag of skiff, -help-flags, and the check, print and
// explain commands, which know the filter too.
func extensions() config.Extensions {
	return config.Extensions{Filters: []filters.Spec{greetingSpec{}}}
}
