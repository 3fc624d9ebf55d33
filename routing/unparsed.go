package routing

import (
	"github.com/skiff-proxy/skiff/dataclients"
	"github.com/skiff-proxy/skiff/eskip"
)

// ReasonParseError is the reason of a route whose definition did not parse
// (an etcd value with a syntax error).
const ReasonParseError = "parse_error"

// brokenDef is what a data client's unparsable definition is merged and
// tracked as. The builder never instantiates it: it lists inv instead. In
// case a pre-processor copies it under another id (clone rules), it also
// carries a predicate no registry can have, so that no copy can ever
// match a request.
func brokenDef(inv dataclients.InvalidRoute) *eskip.Route {
	msg := ""
	if inv.Err != nil {
		msg = inv.Err.Error()
	}
	return &eskip.Route{
		Id:          inv.Id,
		Pos:         inv.Pos,
		Predicates:  []*eskip.Predicate{{Name: "parse error", Args: []any{msg}}},
		BackendType: eskip.ShuntBackend,
	}
}

// unparsed is the invalid-route entry of a definition that did not parse.
func unparsed(inv *dataclients.InvalidRoute, src string) *InvalidRoute {
	return &InvalidRoute{Id: inv.Id, Source: src, Pos: inv.Pos, Reason: ReasonParseError, Err: inv.Err}
}
