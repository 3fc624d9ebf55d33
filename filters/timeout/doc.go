// Package timeout holds backendTimeout, readTimeout and writeTimeout
// (docs/filters.md). They only put a time.Duration into the state bag
// under the keys the proxy reads (filters.BackendTimeout, ReadTimeout,
// WriteTimeout); the proxy enforces the deadlines.
package timeout
