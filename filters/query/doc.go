// Package query provides filters that move values between request headers
// and query parameters: headerToQuery and queryToHeader.
package query
