// Package logging holds the diagnostic and audit filters that write to
// the application log through the filter context's Logger (logHeader,
// logBody, auditLog, unverifiedAuditLog) and maskAccessLogQuery, which
// asks the access log to print some query parameters' values as hashes.
// Bodies are logged while they stream, never more than the configured
// number of bytes, and never buffered beyond that.
package logging
