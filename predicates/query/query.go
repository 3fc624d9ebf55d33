package query

import (
	"net/http"
	"net/url"
	"regexp"
	"strings"

	"github.com/skiff-proxy/skiff/predicates/internal/args"
	"github.com/skiff-proxy/skiff/routing"
)

// Name of the predicate.
const Name = "QueryParam"

type spec struct{}

// New returns the QueryParam spec.
func New() routing.PredicateSpec { return spec{} }

func (spec) Name() string { return Name }

func (spec) Create(a []any) (routing.Predicate, error) {
	if err := args.Count(Name, a, 1, 2); err != nil {
		return nil, err
	}
	name, err := args.NonEmpty(Name, a, 0)
	if err != nil {
		return nil, err
	}
	p := &predicate{name: name}
	if len(a) == 2 {
		if p.rx, err = args.Regexp(Name, a, 1); err != nil {
			return nil, err
		}
	}
	return p, nil
}

type predicate struct {
	name string
	rx   *regexp.Regexp // nil: presence is enough
}

// Match scans the raw query instead of calling URL.Query, which would build
// a map per request. Decoding (and its allocation) happens only for keys and
// values that contain escapes. Pairs that url.ParseQuery rejects (bad
// escapes, ';') are skipped the same way.
func (p *predicate) Match(r *http.Request) bool {
	q := r.URL.RawQuery
	for len(q) > 0 {
		var pair string
		pair, q, _ = strings.Cut(q, "&")
		if pair == "" || strings.IndexByte(pair, ';') >= 0 {
			continue
		}
		k, v, _ := strings.Cut(pair, "=")
		k, ok := unescape(k)
		if !ok || k != p.name {
			continue
		}
		v, ok = unescape(v)
		if !ok {
			continue
		}
		if p.rx == nil || p.rx.MatchString(v) {
			return true
		}
	}
	return false
}

func unescape(s string) (string, bool) {
	if strings.IndexByte(s, '%') < 0 && strings.IndexByte(s, '+') < 0 {
		return s, true
	}
	u, err := url.QueryUnescape(s)
	return u, err == nil
}
