package file

import (
	"errors"
	"fmt"

	"github.com/skiff-proxy/skiff/eskip"
)

// parseFunc parses one document; eskip.ParseDocumentString in production.
type parseFunc func(source string, text string) ([]*eskip.Route, error)

// Load reads and parses the files, merging their routes by id (a later file
// wins, as does a later route within one file). It fails on the first file
// that is missing, unreadable or does not parse; the error names the file
// and, for parse errors, each position as file:line:col. Use it to validate
// routes files before starting; Run performs the same check on startup.
func Load(paths ...string) ([]*eskip.Route, error) {
	return load(eskip.ParseDocumentString, paths)
}

func load(parse parseFunc, paths []string) ([]*eskip.Route, error) {
	sets := make([][]*eskip.Route, len(paths))
	for i, p := range paths {
		var err error
		if _, sets[i], err = loadFile(parse, nil, p, p, DefaultMaxSize); err != nil {
			return nil, err
		}
	}
	return merge(sets), nil
}

// ReadFile reads the routes file at path, failing for one larger than max
// bytes as the client does (DefaultMaxSize is the client's default).
func ReadFile(path string, max int64) (string, error) {
	text, _, err := readChanged(path, "", false, max)
	return text, err
}

// loadFile reads and parses one file of at most max bytes; errors name it
// as path. When the file still has pre's text (parsed before the client
// started), it takes pre's routes and text instead of parsing it again.
func loadFile(parse parseFunc, pre *Parsed, path, abs string, max int64) (string, []*eskip.Route, error) {
	var known string
	if pre != nil {
		known = pre.Text
	}
	text, same, err := readChanged(abs, known, pre != nil, max)
	if err != nil {
		return "", nil, fmt.Errorf("reading routes file: %w", err)
	}
	if same {
		return pre.Text, pre.Routes, nil
	}
	routes, err := parse(path, text)
	if err != nil {
		return "", nil, fmt.Errorf("routes file %s does not parse:\n%w", path, err)
	}
	return text, routes, nil
}

// each calls f with every error err carries: the members of a joined error
// (eskip.ErrorList, errors.Join), else err itself.
func each(err error, f func(error)) {
	var multi interface{ Unwrap() []error }
	if errors.As(err, &multi) {
		for _, e := range multi.Unwrap() {
			f(e)
		}
		return
	}
	f(err)
}
