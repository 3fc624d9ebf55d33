// Package timeout holds backendTimeout, readTimeout and writeTimeout
// (spec/filters.md §4.5). They only put a time.Duration into the state bag
// under the keys the proxy reads (filters.BackendTimeout, ReadTimeout,
// WriteTimeout); the proxy enforces the deadlines.
package timeout
