// Package args checks predicate arguments and builds errors that name the
// predicate and the offending argument.
package args
