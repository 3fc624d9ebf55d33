package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"strings"
	"syscall"

	"github.com/skiff-proxy/skiff"
	"github.com/skiff-proxy/skiff/filters"
)

func main() {
	address := flag.String("address", ":9090", "proxy listener")
	routes := flag.String("routes-file", "", "comma-separated eskip files")
	support := flag.String("support-listener", skiff.DefaultSupportListener, "support listener")
	flag.Parse()
	if *routes == "" {
		fmt.Fprintln(os.Stderr, "customfilter: -routes-file is required")
		os.Exit(2)
	}
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, syscall.SIGINT)
	defer stop()
	err := skiff.Run(ctx, options(*address, *support, strings.Split(*routes, ",")))
	if err != nil {
		fmt.Fprintln(os.Stderr, "customfilter:", err)
		os.Exit(1)
	}
}

// options is everything this binary adds to a plain skiff: one filter.
func options(address, support string, routes []string) skiff.Options {
	return skiff.Options{
		Address:         address,
		SupportListener: support,
		RoutesFiles:     routes,
		CustomFilters:   []filters.Spec{greetingSpec{}},
	}
}
