package pipeline

import (
	"strings"

	"github.com/skiff-proxy/skiff/dataclients"
	"github.com/skiff-proxy/skiff/dataclients/file"
	"github.com/skiff-proxy/skiff/dataclients/inline"
	"github.com/skiff-proxy/skiff/eskip"
)

// dataClients creates the file and inline route sources, the first in
// merge order (etcd and custom clients follow). Route files are parsed here so that
// a missing file or a syntax error stops the start with every position
// (file:line:col) instead of leaving an empty table behind; the file client
// reuses what was parsed.
func dataClients(c *Config) ([]dataclients.DataClient, error) {
	var clients []dataclients.DataClient
	parsed := make(map[string]file.Parsed, len(c.RoutesFiles))
	for _, path := range c.RoutesFiles {
		text, err := file.ReadFile(path, file.DefaultMaxSize)
		if err != nil {
			return nil, &Error{"routes-file", err}
		}
		routes, err := eskip.ParseDocumentString(path, text)
		if err != nil {
			return nil, &Error{"routes-file " + path, err}
		}
		parsed[path] = file.Parsed{Text: text, Routes: routes}
	}
	if len(c.RoutesFiles) > 0 {
		// The client's first read finds the same text: it takes these
		// routes rather than parsing the files a second time.
		clients = append(clients, file.New(file.Options{Paths: c.RoutesFiles, Log: c.Log, Parsed: parsed}))
	}
	if strings.TrimSpace(c.InlineRoutes) != "" {
		ic, err := inline.New(c.InlineRoutes)
		if err != nil {
			return nil, &Error{"inline-routes", err}
		}
		clients = append(clients, ic)
	}
	return clients, nil
}
