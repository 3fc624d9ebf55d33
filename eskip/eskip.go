package eskip

import (
	"sort"
	"strings"
)

// Parse parses a routing document: route definitions separated by ";", or a
// single route expression without id. The built-in predicates (Path, Host,
// PathRegexp, Method, Header, HeaderRegexp) are lifted into their Route
// fields and load-balanced endpoints are validated. Any error rejects the
// whole document.
//
// On error, Parse returns a *ParseError for the first problem (a syntax
// error if there is one); its Error method returns the message skipper
// gives for the same input. Route.Pos is left zero; use ParseDocument to get
// positions and every error.
//
// A document without routes (empty, or only comments) gives an empty,
// non-nil list.
//
// String and regexp values without escapes share memory with text.
func Parse(text string) ([]*Route, error) {
	p := newParser(modeDocument, text)
	p.document()
	if len(p.syntax) > 0 {
		return nil, p.syntax[0]
	}
	if len(p.semantic) > 0 {
		return nil, p.semantic[0]
	}
	return p.result(), nil
}

// ParseDocument parses a routing document like Parse, names it source, and
// sets Route.Pos of every route. On error it returns an ErrorList with every
// error found (up to MaxErrors), in source order; after a syntax error
// parsing resumes at the next ";". When source is not empty the errors print
// as "source:line:col: route "id": message".
func ParseDocument(source string, text []byte) ([]*Route, error) {
	return ParseDocumentString(source, string(text))
}

// ParseDocumentString is ParseDocument for text held in a string. The
// strings of the routes it returns may share text's memory instead of
// being copies: the routes of a large file cost no second copy of it, and
// keep all of text alive while any of them lives.
func ParseDocumentString(source string, text string) ([]*Route, error) {
	p := newParser(modeDocument, text)
	p.source = source
	p.withPos = true
	p.document()
	if len(p.syntax)+len(p.semantic) == 0 {
		return p.result(), nil
	}
	errs := make(ErrorList, 0, len(p.syntax)+len(p.semantic))
	errs = append(errs, p.syntax...)
	errs = append(errs, p.semantic...)
	sort.SliceStable(errs, func(i, j int) bool { return errs[i].Offset < errs[j].Offset })
	if len(errs) > MaxErrors {
		errs = errs[:MaxErrors]
	}
	return nil, errs
}

// ParsePredicates parses a list of predicates joined by "&&", as used for
// predicate arguments on the command line and in configuration. The input
// is trimmed first; empty or comment-only input gives an empty list. "*" is
// dropped, nothing is lifted and no duplicate checks apply.
func ParsePredicates(text string) ([]*Predicate, error) {
	p := newParser(modePredicates, strings.TrimSpace(text))
	preds := p.predicateList()
	if len(p.syntax) > 0 {
		return nil, p.syntax[0]
	}
	return preds, nil
}

// ParseFilters parses a chain of filters joined by "->". The input is
// trimmed first; empty or comment-only input gives an empty list.
func ParseFilters(text string) ([]*Filter, error) {
	p := newParser(modeFilters, strings.TrimSpace(text))
	fs := p.filterList()
	if len(p.syntax) > 0 {
		return nil, p.syntax[0]
	}
	return fs, nil
}
