package eskip

import (
	"strconv"
	"strings"
)

// mode selects the grammar entry point.
type mode uint8

const (
	modeDocument mode = iota
	modePredicates
	modeFilters
)

// arg is a parsed argument before it is boxed into an any.
type arg struct {
	num   float64
	str   string
	isNum bool
}

// parser is a recursive-descent parser with one token of lookahead. It
// detects a syntax error at the first token that cannot continue a valid
// document, the same token skipper's LALR parser stops at, so that the
// skipper-compatible messages name the same token and position.
type parser struct {
	lex  lexer
	mode mode
	tok  token // lookahead

	// what skipper's error messages report
	lastGood    int    // start of the last token lexed without error, -1 if none
	lastRouteID string // id of the last "symbol :" seen

	// for skiff's messages
	prevStart, prevEnd int    // source range of what came before tok
	routeID            string // id of the route being parsed
	routeStart         int

	source     string
	withPos    bool
	posOff     int // Route.Pos bookkeeping: offset, line and line start
	posLine    int
	posLineOff int

	syntax   []*ParseError
	semantic []*ParseError
	stop     bool // too many errors

	args     []arg
	preds    []*Predicate
	filters  []*Filter
	hosts    []string
	pathRxs  []string
	lbEPs    []string
	lbStarts []int // offsets of lbEPs

	routeSlab  slab[Route]
	predSlab   slab[Predicate]
	predPSlab  slab[*Predicate]
	filtSlab   slab[Filter]
	filtPSlab  slab[*Filter]
	anySlab    slab[any]
	stringSlab slab[string]
	box        boxer

	routes []*Route
}

func newParser(m mode, text string) *parser {
	p := &parser{mode: m, lastGood: -1}
	p.lex.src = text
	p.posLine = 1
	return p
}

// result returns the parsed routes. A document without routes gives an
// empty list, not nil, as skipper's Parse does (it makes the list with
// make), so that the routes of an empty or comment-only file marshal to
// the JSON [] and not null.
func (p *parser) result() []*Route {
	if len(p.routes) == 0 {
		return []*Route{}
	}
	return p.routes
}

// advance reads the next token into p.tok.
func (p *parser) advance() {
	p.prevStart, p.prevEnd = p.tok.start, p.tok.end
	p.lex.next(&p.tok)
	if k := p.tok.kind; k != tEOF && k != tError {
		p.lastGood = p.tok.start
	}
}

// val returns the value of the lookahead token.
func (p *parser) val() string { return p.lex.value(p.tok) }

// text returns the source text of a token.
func (p *parser) text(t token) string { return p.lex.src[t.start:t.end] }

// lastTok returns the value of the last token lexed without error, which
// skipper's messages name. It is lexed again: errors are rare, tokens are
// not.
func (p *parser) lastTok() string {
	if p.lastGood < 0 {
		return ""
	}
	l := lexer{src: p.lex.src, pos: p.lastGood}
	var t token
	l.next(&t)
	return l.value(t)
}

// errCount is the number of errors recorded so far.
func (p *parser) errCount() int { return len(p.syntax) + len(p.semantic) }

// syntaxError records a syntax error at the lookahead token. expected says
// what would have been valid there.
func (p *parser) syntaxError(expected string) {
	t := p.tok
	reason := "syntax error"
	if t.kind == tError && t.err != lexUnexpected {
		reason = t.err.String()
	}
	var msg string
	switch {
	case t.kind == tError && t.err == lexIncomplete:
		msg = p.incompleteMsg(t)
	case t.kind == tError && t.err == lexInvalidChar:
		msg = `unexpected "/" at the end of the input`
	default:
		msg = "expected " + expected
		if p.prevEnd > p.prevStart {
			prev := p.lex.src[p.prevStart:p.prevEnd]
			if len(prev) <= 60 && strings.HasSuffix(prev, ")") && strings.IndexByte(prev, '\n') < 0 {
				msg += " after " + prev
			} else {
				msg += " after " + snippet(prev)
			}
		}
		msg += ", found " + p.describe(t)
	}
	p.addSyntax(t.start, msg, reason)
}

// endError records a lexical error found where the document could have
// ended: skipper reports these with the lexer's own reason.
func (p *parser) endError() {
	t := p.tok
	var msg string
	switch t.err {
	case lexIncomplete:
		msg = p.incompleteMsg(t)
	case lexInvalidChar:
		msg = `unexpected "/" at the end of the input`
	default:
		msg = "unexpected character " + p.describe(t)
	}
	p.addSyntax(t.start, msg, t.err.String())
}

func (p *parser) addSyntax(off int, msg, reason string) {
	var b strings.Builder
	b.WriteString("parse failed after token ")
	b.WriteString(p.lastTok())
	if p.lastRouteID != "" {
		b.WriteString(", last route id: ")
		b.WriteString(p.lastRouteID)
	}
	b.WriteString(", position ")
	b.WriteString(strconv.Itoa(p.lex.pos))
	b.WriteString(": ")
	b.WriteString(reason)
	e := &ParseError{Source: p.source, Offset: off, RouteId: p.routeID, Msg: msg, compat: b.String()}
	e.Line, e.Column = lineCol(p.lex.src, off)
	p.syntax = append(p.syntax, e)
	if p.errCount() >= MaxErrors {
		p.stop = true
	}
}

func (p *parser) addSemantic(off int, id, msg, compat string) {
	e := &ParseError{Source: p.source, Offset: off, RouteId: id, Msg: msg, compat: compat}
	e.Line, e.Column = lineCol(p.lex.src, off)
	p.semantic = append(p.semantic, e)
	if p.errCount() >= MaxErrors {
		p.stop = true
	}
}

func (p *parser) incompleteMsg(t token) string {
	switch p.lex.src[t.start] {
	case '"', '`':
		return "unterminated string literal"
	case '/':
		return "unterminated regexp literal"
	}
	return "invalid number " + strconv.Quote(p.lex.src[t.start:t.end]) + `: a number cannot end in "."`
}

// describe names a token for skiff's messages.
func (p *parser) describe(t token) string {
	switch t.kind {
	case tEOF:
		return "end of input"
	case tError:
		src := p.lex.src[t.start:]
		n := 0
		for n < len(src) && n < 16 && !isSpace(src[n]) && strings.IndexByte(`;,()"`+"`", src[n]) < 0 {
			n++
		}
		if n == 0 {
			n = 1
		}
		return strconv.Quote(src[:n])
	}
	return snippet(p.lex.src[t.start:t.end])
}

// snippet quotes source text for a message, shortened and on one line.
func snippet(s string) string {
	const max = 40
	if len(s) > max {
		s = s[:max] + "..."
	}
	if strings.IndexByte(s, '"') >= 0 && strings.IndexByte(s, '`') < 0 && strings.IndexByte(s, '\n') < 0 {
		return "`" + s + "`"
	}
	return strconv.Quote(s)
}

// recover skips to just after the next ';' so that parsing can go on with
// the next route definition.
func (p *parser) recover() {
	for {
		switch p.tok.kind {
		case tEOF:
			return
		case tSemicolon:
			p.routeID = ""
			p.advance()
			return
		case tError:
			if p.lex.pos == p.tok.start {
				p.lex.pos++
			}
		}
		p.advance()
	}
}

// document parses a routing document: route definitions separated by ';',
// or exactly one route expression without id.
func (p *parser) document() {
	// Routes are separated by ";": counting them is much cheaper than
	// growing the result slice.
	p.routes = make([]*Route, 0, strings.Count(p.lex.src, ";")+1)
	p.advance()
	switch p.tok.kind {
	case tEOF:
		return
	case tError:
		// An empty document is complete: this is a lexical error.
		p.endError()
		p.recover()
	case tAny:
		p.routeStart = p.tok.start
		p.bare("")
	case tSymbol:
		name := p.tok
		p.advance()
		switch p.tok.kind {
		case tColon:
			p.routeDefRest(name)
		case tOpenParen:
			p.routeStart = name.start
			p.bare(p.text(name))
		default:
			p.syntaxError(`":" or "("`)
			p.recover()
		}
	case tSemicolon:
	default:
		p.syntaxError(`a route id or a route expression`)
		p.recover()
	}
	p.routeDefs()
}

// bare parses a route expression without id that makes up the whole
// document. first is the name of the first predicate when its symbol was
// already consumed.
func (p *parser) bare(first string) {
	r := p.routeExpr(first)
	if r == nil {
		p.recover()
		return
	}
	switch p.tok.kind {
	case tEOF:
		p.finishRoute(r)
	case tError:
		p.finishRoute(r)
		p.endError()
	default:
		p.syntaxError(`end of input (several routes need ids: "id: route;")`)
		p.recover()
	}
}

// routeDefs parses route definitions until the end of the document.
func (p *parser) routeDefs() {
	for !p.stop {
		switch p.tok.kind {
		case tEOF:
			return
		case tError:
			p.endError()
			p.recover()
			continue
		case tSemicolon:
			p.routeID = ""
			p.advance()
			continue
		case tSymbol:
			name := p.tok
			p.advance()
			if p.tok.kind != tColon {
				p.syntaxError(`":"`)
				p.recover()
				continue
			}
			p.routeDefRest(name)
		default:
			p.syntaxError("a route id")
			p.recover()
		}
	}
}

// routeDefRest parses a route definition whose id was consumed; the
// lookahead is the colon.
func (p *parser) routeDefRest(name token) {
	p.lastRouteID = p.text(name)
	p.routeID = p.text(name)
	p.routeStart = name.start
	p.advance()
	p.prevStart = name.start
	r := p.routeExpr("")
	if r == nil {
		p.recover()
		return
	}
	r.Id = p.text(name)
	switch p.tok.kind {
	case tSemicolon:
		p.finishRoute(r)
		p.routeID = ""
		p.advance()
	case tEOF:
		p.finishRoute(r)
	case tError:
		p.finishRoute(r)
		p.endError()
		p.recover()
	default:
		p.syntaxError(`";" or end of input`)
		p.recover()
	}
}

func (p *parser) finishRoute(r *Route) {
	if p.withPos {
		off := p.routeStart
		p.posLine += strings.Count(p.lex.src[p.posOff:off], "\n")
		if i := strings.LastIndexByte(p.lex.src[p.posOff:off], '\n'); i >= 0 {
			p.posLineOff = p.posOff + i + 1
		}
		p.posOff = off
		r.Pos = Position{Source: p.source, Line: p.posLine, Column: off - p.posLineOff + 1, Offset: off}
	}
	p.routes = append(p.routes, r)
}

// routeExpr parses predicates "->" [filters "->"] backend. It returns nil
// after a syntax error.
func (p *parser) routeExpr(first string) *Route {
	r := p.routeSlab.one()
	p.preds, p.filters, p.hosts, p.pathRxs = p.preds[:0], p.filters[:0], p.hosts[:0], p.pathRxs[:0]
	if first != "" {
		if !p.callArgs() {
			return nil
		}
		p.predicate(r, first, p.routeStart)
	} else if !p.predicateOrAny(r, `a predicate or "*"`) {
		return nil
	}
	for p.tok.kind == tAnd {
		p.advance()
		if !p.predicateOrAny(r, `a predicate or "*"`) {
			return nil
		}
	}
	if p.tok.kind != tArrow {
		p.syntaxError(`"->" or "&&"`)
		return nil
	}
	p.advance()
	for p.tok.kind == tSymbol {
		name, _, ok := p.call()
		if !ok {
			return nil
		}
		f := p.filtSlab.one()
		f.Name = name
		f.Args = p.boxArgs()
		p.filters = append(p.filters, f)
		if p.tok.kind != tArrow {
			p.syntaxError(`"->"`)
			return nil
		}
		p.advance()
	}
	if !p.backend(r) {
		return nil
	}
	if n := len(p.preds); n > 0 {
		r.Predicates = p.predPSlab.take(n)
		copy(r.Predicates, p.preds)
	}
	if n := len(p.filters); n > 0 {
		r.Filters = p.filtPSlab.take(n)
		copy(r.Filters, p.filters)
	}
	if n := len(p.hosts); n > 0 {
		r.HostRegexps = p.stringSlab.take(n)
		copy(r.HostRegexps, p.hosts)
	}
	if n := len(p.pathRxs); n > 0 {
		r.PathRegexps = p.stringSlab.take(n)
		copy(r.PathRegexps, p.pathRxs)
	}
	return r
}

// predicateOrAny parses "*" or a predicate call and applies it to r.
func (p *parser) predicateOrAny(r *Route, expected string) bool {
	switch p.tok.kind {
	case tAny:
		p.advance()
		return true
	case tSymbol:
		name, start, ok := p.call()
		if ok {
			p.predicate(r, name, start)
		}
		return ok
	}
	p.syntaxError(expected)
	return false
}

// call parses name "(" args ")" with the name at the lookahead, leaving the
// arguments in p.args. It returns where the call starts, and false after
// recording a syntax error.
func (p *parser) call() (name string, start int, ok bool) {
	start = p.tok.start
	name = p.val()
	p.advance()
	if !p.callArgs() {
		return "", start, false
	}
	p.prevStart = start
	return name, start, true
}

// callArgs parses "(" args ")" into p.args. The lookahead is the token after
// the call's name.
func (p *parser) callArgs() bool {
	if p.tok.kind != tOpenParen {
		p.syntaxError(`"("`)
		return false
	}
	p.args = p.args[:0]
	p.advance()
	switch p.tok.kind {
	case tCloseParen:
		p.advance()
		return true
	case tComma:
		// skipper's grammar accepts one leading comma: Foo(,"x").
		p.advance()
	}
	for {
		switch p.tok.kind {
		case tNumber:
			f, _ := strconv.ParseFloat(p.val(), 64)
			p.args = append(p.args, arg{num: f, isNum: true})
		case tString, tRegexp:
			p.args = append(p.args, arg{str: p.val()})
		default:
			p.syntaxError("an argument (number, string or regexp)")
			return false
		}
		p.advance()
		switch p.tok.kind {
		case tComma:
			p.advance()
		case tCloseParen:
			p.advance()
			return true
		default:
			p.syntaxError(`"," or ")"`)
			return false
		}
	}
}

func (p *parser) boxArgs() []any {
	if len(p.args) == 0 {
		return nil
	}
	a := p.anySlab.take(len(p.args))
	for i, v := range p.args {
		a[i] = p.box.box(v)
	}
	return a
}

// backend parses a backend and sets it on r.
func (p *parser) backend(r *Route) bool {
	start := p.tok.start
	switch p.tok.kind {
	case tString:
		r.BackendType = NetworkBackend
		r.Backend = p.val()
	case tShunt:
		r.BackendType = ShuntBackend
	case tLoopback:
		r.BackendType = LoopBackend
	case tDynamic:
		r.BackendType = DynamicBackend
	case tForward:
		r.BackendType = ForwardBackend
	case tOpenArrow:
		return p.lbBackend(r)
	default:
		p.syntaxError(`a filter or a backend`)
		return false
	}
	p.advance()
	p.prevStart = start
	return true
}

// lbBackend parses "<" [algorithm ","] endpoint {"," endpoint} ">".
func (p *parser) lbBackend(r *Route) bool {
	start := p.tok.start
	p.advance()
	r.BackendType = LBBackend
	if p.tok.kind == tSymbol {
		r.LBAlgorithm = p.val()
		p.advance()
		if p.tok.kind == tCloseArrow {
			// <name> alone: a misspelt special backend, or a load
			// balancer without endpoints.
			p.addSyntax(p.tok.start, "unknown backend <"+r.LBAlgorithm+`>: want <shunt>, <loopback>, <dynamic>, <forward>, or a load balancer <algorithm, "http://host:port", ...>`, "syntax error")
			return false
		}
		if p.tok.kind != tComma {
			p.syntaxError(`","`)
			return false
		}
		p.advance()
	}
	p.lbEPs = p.lbEPs[:0]
	p.lbStarts = p.lbStarts[:0]
	for {
		if p.tok.kind != tString {
			p.syntaxError("an endpoint address string")
			return false
		}
		p.lbEPs = append(p.lbEPs, p.val())
		p.lbStarts = append(p.lbStarts, p.tok.start)
		p.advance()
		if p.tok.kind == tCloseArrow {
			p.advance()
			break
		}
		if p.tok.kind != tComma {
			p.syntaxError(`"," or ">"`)
			return false
		}
		p.advance()
	}
	p.prevStart = start
	if p.mode == modeDocument {
		eps, bad := lbEndpoints(p.lbEPs)
		if bad != nil {
			p.addSemantic(p.lbStarts[bad.bad], p.routeID, bad.msg, bad.err.Error())
			return true
		}
		r.LBEndpoints = eps
	}
	return true
}

// predicate applies one parsed predicate call to r: the built-in ones are
// lifted into their fields, the rest kept in order.
func (p *parser) predicate(r *Route, name string, start int) {
	switch name {
	case "Path", "Host", "PathRegexp", "Method":
		s, ok := p.stringArgs(1)
		if !ok {
			p.argError(name, start, 1)
			return
		}
		switch name {
		case "Path":
			if r.Path != "" {
				p.addSemantic(start, p.routeID, "duplicate path tree predicate", "")
				return
			}
			r.Path = s
		case "Host":
			p.hosts = append(p.hosts, s)
		case "PathRegexp":
			p.pathRxs = append(p.pathRxs, s)
		case "Method":
			if r.Method != "" {
				p.addSemantic(start, p.routeID, "duplicate method predicate", "")
				return
			}
			r.Method = s
		}
	case "Header", "HeaderRegexp":
		if len(p.args) != 2 || p.args[0].isNum || p.args[1].isNum {
			p.argError(name, start, 2)
			return
		}
		k, v := p.args[0].str, p.args[1].str
		if name == "Header" {
			if _, dup := r.Headers[k]; dup {
				p.addSemantic(start, p.routeID, "duplicate header predicate: "+k, "")
				return
			}
			if r.Headers == nil {
				r.Headers = make(map[string]string, 1)
			}
			r.Headers[k] = v
			return
		}
		if r.HeaderRegexps == nil {
			r.HeaderRegexps = make(map[string][]string, 1)
		}
		r.HeaderRegexps[k] = append(r.HeaderRegexps[k], v)
	case "Any":
	default:
		pr := p.predSlab.one()
		pr.Name = name
		pr.Args = p.boxArgs()
		p.preds = append(p.preds, pr)
	}
}

func (p *parser) stringArgs(n int) (string, bool) {
	if len(p.args) != n || p.args[0].isNum {
		return "", false
	}
	return p.args[0].str, true
}

func (p *parser) argError(name string, start, n int) {
	what := "1 string argument"
	if n != 1 {
		what = strconv.Itoa(n) + " string arguments"
	}
	msg := name + " predicate expects " + what
	p.addSemantic(start, p.routeID, msg, "invalid route "+strconv.Quote(p.routeID)+": "+msg)
}

// predicateList parses the ParsePredicates grammar: [predicates] EOF.
func (p *parser) predicateList() []*Predicate {
	var preds []*Predicate
	item := func() bool {
		switch p.tok.kind {
		case tAny:
			p.advance()
			return true
		case tSymbol:
			name, _, ok := p.call()
			if ok {
				preds = append(preds, &Predicate{Name: name, Args: p.boxArgs()})
			}
			return ok
		}
		p.syntaxError(`a predicate or "*"`)
		return false
	}
	if !p.list(tAnd, `"&&" or end of input`, item) {
		return nil
	}
	return preds
}

// filterList parses the ParseFilters grammar: [filters] EOF.
func (p *parser) filterList() []*Filter {
	var fs []*Filter
	item := func() bool {
		if p.tok.kind != tSymbol {
			p.syntaxError("a filter")
			return false
		}
		name, _, ok := p.call()
		if ok {
			fs = append(fs, &Filter{Name: name, Args: p.boxArgs()})
		}
		return ok
	}
	if !p.list(tArrow, `"->" or end of input`, item) {
		return nil
	}
	return fs
}

// list parses [item {sep item}] EOF, the shape of the ParsePredicates and
// ParseFilters grammars. item parses one element at the lookahead and
// reports false after recording an error; so does list.
func (p *parser) list(sep tokKind, expected string, item func() bool) bool {
	p.advance()
	switch p.tok.kind {
	case tEOF:
		return true
	case tError:
		p.endError()
		return false
	}
	for {
		if !item() {
			return false
		}
		switch p.tok.kind {
		case sep:
			p.advance()
			continue
		case tEOF:
			return true
		case tError:
			p.endError()
			return false
		}
		p.syntaxError(expected)
		return false
	}
}
