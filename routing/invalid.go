package routing

import (
	"strconv"

	"github.com/skiff-proxy/skiff/eskip"
)

// Reasons an InvalidRoute gives; they are also the metric label
// route.invalid.<id>.<reason>.
const (
	ReasonUnknownFilter          = "unknown_filter"
	ReasonInvalidFilterParams    = "invalid_filter_params"
	ReasonUnknownPredicate       = "unknown_predicate"
	ReasonInvalidPredicateParams = "invalid_predicate_params"
	ReasonFailedBackendSplit     = "failed_backend_split"
	ReasonInvalidMatcher         = "invalid_matcher"
	ReasonInvalidLB              = "invalid_lb"
	ReasonOther                  = "other"
)

// InvalidRoute is a route definition left out of a Table, with why.
type InvalidRoute struct {
	Id     string
	Source string // data client name; "" for tables made by Build
	Pos    eskip.Position
	Reason string // one of the Reason* constants
	Err    error
	// Stale says that the table still serves the last valid version of
	// the route (listed by Table.Routes) in place of this rejected one;
	// see BuildOptions.DropInvalidUpdates. Id, Source, Pos, Reason and Err
	// describe the rejected version. Only tables of a Routing have stale
	// routes: Build keeps no history.
	Stale bool
}

// Error makes an InvalidRoute readable in logs: "id: reason: err".
func (i InvalidRoute) Error() string {
	msg := i.Id + ": " + i.Reason
	if i.Err != nil {
		msg += ": " + i.Err.Error()
	}
	return msg
}

// Where is "file:line:col: " for a route defined at a known position in a
// file, else "".
func (i InvalidRoute) Where() string {
	if i.Pos.Line <= 0 {
		return ""
	}
	src := i.Pos.Source
	if src == "" {
		src = i.Source
	}
	return src + ":" + strconv.Itoa(i.Pos.Line) + ":" + strconv.Itoa(i.Pos.Column) + ": "
}
