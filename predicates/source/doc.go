// Package source provides the client-address predicates Source,
// SourceFromLast and ClientIP, each taking IP addresses and CIDR ranges.
// Source and SourceFromLast trust X-Forwarded-For, which clients control:
// they route, they do not authenticate.
package source
