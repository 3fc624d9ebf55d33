package config

import (
	"fmt"
	"os"
	"slices"
	"strings"
	"unicode"

	"github.com/skiff-proxy/skiff/eskip"
)

// patch prints the input's routes with the patch filters around their
// own, one route per line as eskip's patch does, and writes nothing: its
// output is meant for a look, or for a pipe into upsert.
func (r *etcdRun) patch(a etcdIO) error {
	// The filters first: a typo in them should fail before etcd is
	// asked.
	pre, app, err := r.patchFilters()
	if err != nil {
		return err
	}
	routes, err := r.loadValid(a.in)
	if err != nil {
		return err
	}
	for _, rt := range routes {
		// A new slice per route: the chains must not share backing
		// arrays with the route's own filters.
		rt.Filters = slices.Concat(pre, rt.Filters, app)
		if rt.Id == "" {
			fmt.Fprintln(r.stdout, rt.String())
		} else {
			fmt.Fprintf(r.stdout, "%s: %s;\n", rt.Id, rt.String())
		}
	}
	return nil
}

// patchFilters parses the -prepend and -append chains in the order given
// on the command line. A chain that does not parse is rendered with its
// source, the flag or the file.
func (r *etcdRun) patchFilters() (pre, app []*eskip.Filter, err error) {
	for _, p := range r.flags.patches {
		source, text := "-append", p.text
		if p.prepend {
			source = "-prepend"
		}
		if p.file {
			data, err := os.ReadFile(p.text)
			if err != nil {
				return nil, nil, fmt.Errorf("reading filters: %w", err)
			}
			source, text = p.text, string(data)
		}
		fs, err := eskip.ParseFilters(text)
		if err != nil {
			errs := eskip.Errors(err)
			// ParseFilters parses the trimmed text: move the
			// positions back into the text as given.
			lead := len(text) - len(strings.TrimLeftFunc(text, unicode.IsSpace))
			for _, e := range errs {
				e.Source = source
				e.Offset += lead
				e.Line = 1 + strings.Count(text[:e.Offset], "\n")
				e.Column = e.Offset - strings.LastIndexByte(text[:e.Offset], '\n')
			}
			if len(errs) == 0 {
				return nil, nil, fmt.Errorf("%s: %w", source, err)
			}
			fmt.Fprint(r.stderr, eskip.Render(err, []byte(text)))
			return nil, nil, fmt.Errorf("invalid filters in %s", source)
		}
		if p.prepend {
			pre = append(pre, fs...)
		} else {
			app = append(app, fs...)
		}
	}
	return pre, app, nil
}
