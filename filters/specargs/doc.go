// Package specargs checks and converts the arguments a filter spec
// (filters.Spec.CreateFilter) or a predicate spec (routing.PredicateSpec's
// Create) receives, and builds the errors for wrong ones: each names the
// filter or predicate and the argument, and wraps
// filters.ErrInvalidFilterParameters or ErrInvalidPredicateParameters.
//
// Arguments from eskip are strings and float64 numbers; routes built in Go
// may carry other types, which the helpers accept where they say so (int
// and the other integer types for numbers, time.Duration for durations, a
// compiled *regexp.Regexp for a filter's regexp).
//
//	func (s spec) CreateFilter(args []any) (filters.Filter, error) {
//		a := specargs.Filter(s.Name(), args)
//		if err := a.Count(1, 2); err != nil {
//			return nil, err
//		}
//		limit, err := a.Int(0, "limit")
//		...
//
// The package is not called args so that it does not collide with the
// args parameter of CreateFilter, the name skipper's filters use too.
package specargs
