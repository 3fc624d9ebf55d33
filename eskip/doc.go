// Package eskip implements the eskip routing language: a hand-written lexer
// and recursive-descent parser, the route AST, a printer for the canonical
// compact and pretty forms, and the JSON representation used by tooling and
// the admin endpoint.
//
// The package depends on nothing else in skiff. Everything that consumes
// routes (routing, filters, data clients) reads the types defined here.
package eskip
