package eskip

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
)

var backendTypeNames = [...]string{
	NetworkBackend: "network",
	ShuntBackend:   "shunt",
	LoopBackend:    "loopback",
	DynamicBackend: "dynamic",
	LBBackend:      "lb",
	ForwardBackend: "forward",
}

// String returns the name of the backend type used in JSON: network,
// shunt, loopback, dynamic, lb or forward.
func (t BackendType) String() string {
	if int(t) >= 0 && int(t) < len(backendTypeNames) {
		return backendTypeNames[t]
	}
	return fmt.Sprintf("BackendType(%d)", int(t))
}

// BackendTypeFromString is the inverse of BackendType.String; "" means
// network.
func BackendTypeFromString(s string) (BackendType, error) {
	if s == "" {
		return NetworkBackend, nil
	}
	for i, n := range backendTypeNames {
		if n == s {
			return BackendType(i), nil
		}
	}
	return 0, fmt.Errorf("unsupported backend type: %s", s)
}

type jsonBackend struct {
	Type      string   `json:"type"`
	Address   string   `json:"address,omitempty"`
	Algorithm string   `json:"algorithm,omitempty"`
	Endpoints []string `json:"endpoints,omitempty"`
}

type jsonRoute struct {
	Id         string       `json:"id,omitempty"`
	Backend    *jsonBackend `json:"backend,omitempty"`
	Predicates []*Predicate `json:"predicates,omitempty"`
	Filters    []*Filter    `json:"filters,omitempty"`
}

// MarshalJSON writes the canonical form of the route as
// {"id":..,"backend":{..},"predicates":[..],"filters":[..]}, without
// escaping HTML characters.
func (r Route) MarshalJSON() ([]byte, error) {
	c := Canonical(&r)
	j := jsonRoute{Id: c.Id, Predicates: c.Predicates, Filters: c.Filters}
	if c.BackendType != NetworkBackend || c.Backend != "" {
		b := &jsonBackend{Type: c.BackendType.String()}
		switch c.BackendType {
		case NetworkBackend:
			b.Address = c.Backend
		case LBBackend:
			b.Algorithm = c.LBAlgorithm
			for _, ep := range c.LBEndpoints {
				b.Endpoints = append(b.Endpoints, endpointAddress(ep))
			}
		}
		j.Backend = b
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(j); err != nil {
		return nil, err
	}
	return bytes.TrimSuffix(buf.Bytes(), []byte("\n")), nil
}

// UnmarshalJSON reads the JSON form. Predicates stay in the generic list
// (nothing is lifted) and arguments are not validated.
func (r *Route) UnmarshalJSON(data []byte) error {
	var j jsonRoute
	if err := json.Unmarshal(data, &j); err != nil {
		return err
	}
	nr := Route{Id: j.Id}
	if len(j.Predicates) > 0 {
		nr.Predicates = j.Predicates
	}
	if len(j.Filters) > 0 {
		nr.Filters = j.Filters
	}
	for _, p := range nr.Predicates {
		if len(p.Args) == 0 {
			p.Args = nil
		}
	}
	for _, f := range nr.Filters {
		if len(f.Args) == 0 {
			f.Args = nil
		}
	}
	if j.Backend != nil {
		t, err := BackendTypeFromString(j.Backend.Type)
		if err != nil {
			return err
		}
		nr.BackendType = t
		switch t {
		case NetworkBackend:
			nr.Backend = j.Backend.Address
		case LBBackend:
			nr.LBAlgorithm = j.Backend.Algorithm
			for _, a := range j.Backend.Endpoints {
				nr.LBEndpoints = append(nr.LBEndpoints, splitZone(a))
			}
		}
	}
	*r = nr
	return nil
}

// FprintJSON writes routes as one JSON array, the document form of
// MarshalJSON, followed by a newline; with info.Pretty it is indented by
// info.IndentStr per level. No routes write [], never null: skipper's
// tools and its /routes endpoint give an empty array for an empty table,
// and clients iterate the result without a null check. HTML characters
// are not escaped, as in MarshalJSON.
func FprintJSON(w io.Writer, info PrettyPrintInfo, routes ...*Route) error {
	if routes == nil {
		routes = []*Route{}
	}
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	if info.Pretty {
		enc.SetIndent("", info.IndentStr)
	}
	return enc.Encode(routes)
}
