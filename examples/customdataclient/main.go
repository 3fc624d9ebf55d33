package main

import (
	"fmt"
	"os"
	"time"

	"github.com/sirupsen/logrus"

	"github.com/skiff-proxy/skiff/config"
	"github.com/skiff-proxy/skiff/dataclients"
	"github.com/skiff-proxy/skiff/dataclients/polling"
)

func main() {
	ext, err := extensions()
	if err != nil {
		fmt.Fprintf(os.Stderr, "customdataclient: %v\n", err)
		os.Exit(2)
	}
	os.Exit(config.Main(ext))
}

// extensions adds the catalog as a route source when CATALOG_DIR names
// its directory. The settings come from the environment because the
// command line is config.Main's: it takes skiff's flags only.
func extensions() (config.Extensions, error) {
	dir := os.Getenv("CATALOG_DIR")
	if dir == "" {
		return config.Extensions{}, nil
	}
	interval := polling.DefaultInterval
	if s := os.Getenv("CATALOG_POLL_INTERVAL"); s != "" {
		d, err := time.ParseDuration(s)
		if err != nil || d <= 0 {
			return config.Extensions{}, fmt.Errorf("CATALOG_POLL_INTERVAL: want a positive duration such as 3s, got %q", s)
		}
		interval = d
	}
	name := "catalog:" + dir
	log := logrus.StandardLogger().WithField("client", name)
	client := polling.New(newCatalog(dir, log), polling.Options{Interval: interval, Name: name})
	return config.Extensions{DataClients: []dataclients.DataClient{client}}, nil
}
