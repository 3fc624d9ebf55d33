// Package filterargs validates the arguments of built-in filters and builds
// errors that name the filter and the offending argument while wrapping
// filters.ErrInvalidFilterParameters.
package filterargs
