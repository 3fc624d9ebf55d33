// Package eskip implements the eskip routing language: a hand-written lexer
// and recursive-descent parser, the route AST, a printer for the canonical
// compact and pretty forms, equality on canonical routes, and the JSON
// representation used by tooling and the admin endpoint.
//
// Parse, ParsePredicates and ParseFilters accept exactly what skipper's
// parser accepts and report errors with skipper's messages. ParseDocument
// additionally records where each route starts and reports every error of a
// file (up to MaxErrors) as "file:line:col: route "id": message"; Render
// shows them with the offending source line.
//
// The package depends on nothing else in skiff. Everything that consumes
// routes (routing, filters, data clients) reads the types defined here.
package eskip
