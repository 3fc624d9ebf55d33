package eskip

// BackendType says where a route sends the request once its filters ran.
type BackendType int

const (
	// NetworkBackend forwards to the address in Route.Backend.
	NetworkBackend BackendType = iota
	// ShuntBackend answers from the filters alone (404 when none answered).
	ShuntBackend
	// LoopBackend matches the request again against the same table.
	LoopBackend
	// DynamicBackend forwards to a target chosen by a filter at request time.
	DynamicBackend
	// LBBackend forwards to one of Route.LBEndpoints chosen by Route.LBAlgorithm.
	LBBackend
	// ForwardBackend is replaced by a configured network backend before routing.
	ForwardBackend
)

// Position locates a route in its source document. Line and Column are
// 1-based; Column counts bytes. The zero Position means "unknown".
type Position struct {
	Source string // file name, etcd key, ... ; empty when unknown
	Line   int
	Column int
	Offset int // byte offset from the start of the document
}

// Predicate is a generic predicate call such as Cookie("a", /^x$/).
// Args hold float64 or string values when parsed from eskip; routes built in
// Go may carry other types.
type Predicate struct {
	Name string `json:"name"`
	Args []any  `json:"args,omitempty"`
}

// Filter is a filter call such as setPath("/x").
type Filter struct {
	Name string `json:"name"`
	Args []any  `json:"args,omitempty"`
}

// LBEndpoint is one endpoint of a load-balanced backend. The zone comes from
// a "?zone=" query parameter on the endpoint address and is removed from
// Address.
type LBEndpoint struct {
	Address string
	Zone    string
}

// Route is one parsed route definition.
//
// The built-in predicates Path, Host, PathRegexp, Method, Header and
// HeaderRegexp are lifted out of the predicate list into their own fields by
// the parser, as skipper does; every other predicate (PathSubtree, Weight,
// custom ones) stays in Predicates in source order.
type Route struct {
	Id string

	Path          string
	HostRegexps   []string
	PathRegexps   []string
	Method        string
	Headers       map[string]string
	HeaderRegexps map[string][]string
	Predicates    []*Predicate

	Filters []*Filter

	BackendType BackendType
	Backend     string // network backend address
	LBAlgorithm string
	LBEndpoints []*LBEndpoint

	// Pos is where the route starts in its source. It is not part of the
	// route's value: it is ignored by equality, printing and JSON.
	Pos Position
}
