package routing

import (
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"

	"github.com/skiff-proxy/skiff/eskip"
	"github.com/skiff-proxy/skiff/filters"
)

// noopFilter does nothing; closeCount counts Close calls of closable ones.
type noopFilter struct{ closes *atomic.Int32 }

func (noopFilter) Request(filters.FilterContext)  {}
func (noopFilter) Response(filters.FilterContext) {}

type closingFilter struct{ noopFilter }

func (c *closingFilter) Close() error { c.closes.Add(1); return nil }

// testFilterSpec creates no-op filters; it fails on an argument "bad".
type testFilterSpec struct {
	name   string
	closes *atomic.Int32 // non-nil: filters implement filters.Closer
}

func (s testFilterSpec) Name() string { return s.name }
func (s testFilterSpec) CreateFilter(args []any) (filters.Filter, error) {
	for _, a := range args {
		if a == "bad" {
			return nil, fmt.Errorf("%s: %w", s.name, filters.ErrInvalidFilterParameters)
		}
	}
	if s.closes != nil {
		return &closingFilter{noopFilter{s.closes}}, nil
	}
	return noopFilter{}, nil
}

// headerIsPredicate is a custom predicate for tests: the header named by
// the first arg has the value of the second.
type headerIsSpec struct{ weight int }

func (headerIsSpec) Name() string { return "HeaderIs" }
func (s headerIsSpec) Create(args []any) (Predicate, error) {
	if len(args) != 2 {
		return nil, errors.New("want 2 args")
	}
	n, _ := args[0].(string)
	v, _ := args[1].(string)
	return headerIs{n, v}, nil
}

type headerIs struct{ name, value string }

func (h headerIs) Match(r *http.Request) bool { return r.Header.Get(h.name) == h.value }

type weightedSpec struct{ headerIsSpec }

func (weightedSpec) Name() string  { return "HeaderIsW" }
func (w weightedSpec) Weight() int { return w.weight }

type trueSpec struct{}

func (trueSpec) Name() string                    { return "True" }
func (trueSpec) Create([]any) (Predicate, error) { return truePred{}, nil }

type truePred struct{}

func (truePred) Match(*http.Request) bool { return true }

func testOptions() BuildOptions {
	fr := filters.Registry{}
	fr.Register(testFilterSpec{name: "setRequestHeader"})
	fr.Register(testFilterSpec{name: "status"})
	pr := PredicateRegistry{}
	pr.Register(headerIsSpec{})
	pr.Register(weightedSpec{headerIsSpec{weight: 5}})
	pr.Register(trueSpec{})
	return BuildOptions{Filters: fr, Predicates: pr}
}

// route builds a definition: id, backend, then predicates as
// "Name", args... groups via p().
func route(id string, preds ...*eskip.Predicate) *eskip.Route {
	return &eskip.Route{Id: id, Predicates: preds, BackendType: eskip.NetworkBackend, Backend: "http://" + id + ".backend"}
}

func p(name string, args ...any) *eskip.Predicate { return &eskip.Predicate{Name: name, Args: args} }

func req(method, target string, hdr ...string) *http.Request {
	r := httptest.NewRequest(method, target, nil)
	for i := 0; i+1 < len(hdr); i += 2 {
		r.Header.Add(hdr[i], hdr[i+1])
	}
	return r
}

func matchID(t *testing.T, tbl *Table, r *http.Request) (string, *Params) {
	t.Helper()
	var ps Params
	rt := tbl.Match(r, &ps)
	if rt == nil {
		return "", &ps
	}
	return rt.Id, &ps
}

type atomicCounter struct{ atomic.Int32 }
