package etcd

import (
	"errors"
	"fmt"

	"github.com/skiff-proxy/skiff/dataclients"
	"github.com/skiff-proxy/skiff/eskip"
)

// parseValue parses the value of key as the route id: exactly one route
// expression (an id written in the value is ignored, the key's wins).
// Otherwise it returns the invalid route, positioned within the value,
// with Pos.Source the key.
func parseValue(key, id, value string) (*eskip.Route, *dataclients.InvalidRoute) {
	routes, err := eskip.ParseDocument(key, []byte(value))
	if err != nil {
		errs := eskip.Errors(err)
		if len(errs) == 0 { // not a parse error; not expected, but kept
			return nil, &dataclients.InvalidRoute{Id: id, Pos: eskip.Position{Source: key, Line: 1, Column: 1}, Err: err}
		}
		pe := errs[0]
		return nil, &dataclients.InvalidRoute{
			Id:  id,
			Pos: eskip.Position{Source: key, Line: pe.Line, Column: pe.Column, Offset: pe.Offset},
			Err: &valueError{pe: pe, more: len(errs) - 1},
		}
	}
	switch len(routes) {
	case 1:
		r := routes[0]
		r.Id = id
		return r, nil
	case 0:
		return nil, &dataclients.InvalidRoute{Id: id, Pos: eskip.Position{Source: key, Line: 1, Column: 1}, Err: errNoRoute}
	default:
		pos := routes[1].Pos
		pos.Source = key
		return nil, &dataclients.InvalidRoute{Id: id, Pos: pos, Err: fmt.Errorf("%d routes in one value: %w", len(routes), errSeveralRoutes)}
	}
}

var (
	errNoRoute       = errors.New("no route in the value: it must hold exactly one route expression")
	errSeveralRoutes = errors.New("a value must hold exactly one route expression")
)

// valueError is a value's parse error. Its message leaves out the
// position, which the invalid route carries in Pos; errors.As finds the
// *eskip.ParseError with it.
type valueError struct {
	pe   *eskip.ParseError
	more int // further errors in the value
}

func (e *valueError) Error() string {
	if e.more > 0 {
		return fmt.Sprintf("%s (and %d more errors)", e.pe.Msg, e.more)
	}
	return e.pe.Msg
}

func (e *valueError) Unwrap() error { return e.pe }

// where formats an invalid route's place for logs: "key:line:col".
func where(inv *dataclients.InvalidRoute) string {
	return fmt.Sprintf("%s:%d:%d", inv.Pos.Source, inv.Pos.Line, inv.Pos.Column)
}

// isSymbol reports whether id is an eskip symbol, which is what a route id
// must be for the route to print as eskip that parses again.
func isSymbol(id string) bool {
	if id == "" {
		return false
	}
	for i := 0; i < len(id); i++ {
		c := id[i]
		alpha := c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c == '_'
		if !alpha && (i == 0 || c < '0' || c > '9') {
			return false
		}
	}
	return true
}
