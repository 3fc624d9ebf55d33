package file

import (
	"errors"
	"fmt"
	"os"

	"github.com/skiff-proxy/skiff/eskip"
)

// parseFunc parses one document; eskip.ParseDocument in production.
type parseFunc func(source string, text []byte) ([]*eskip.Route, error)

// Load reads and parses the files, merging their routes by id (a later file
// wins, as does a later route within one file). It fails on the first file
// that is missing, unreadable or does not parse; the error names the file
// and, for parse errors, each position as file:line:col. Use it to validate
// routes files before starting; Run performs the same check on startup.
func Load(paths ...string) ([]*eskip.Route, error) {
	return load(eskip.ParseDocument, paths)
}

func load(parse parseFunc, paths []string) ([]*eskip.Route, error) {
	sets := make([][]*eskip.Route, len(paths))
	for i, p := range paths {
		text, err := os.ReadFile(p)
		if err != nil {
			return nil, fmt.Errorf("reading routes file: %w", err)
		}
		if sets[i], err = parse(p, text); err != nil {
			return nil, fmt.Errorf("routes file %s does not parse:\n%w", p, err)
		}
	}
	return merge(sets), nil
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
