package logging

import "github.com/skiff-proxy/skiff/filters"

// DefaultMaxAuditBody is skipper's default for -max-audit-body.
const DefaultMaxAuditBody = 1024

// Options configure the logging filters.
type Options struct {
	// MaxAuditBody is how many bytes of the request body auditLog logs
	// (skipper's -max-audit-body, default DefaultMaxAuditBody). 0 logs no
	// body; a negative value counts as 0 (skipper then logs whole bodies,
	// which holds them in memory).
	MaxAuditBody int
}

// Specs returns the logging filter specs.
func Specs(o Options) []filters.Spec {
	return []filters.Spec{
		logHeaderSpec{},
		logBodySpec{},
		auditLogSpec{maxBody: max(o.MaxAuditBody, 0)},
		unverifiedAuditLogSpec{},
		maskAccessLogQuerySpec{},
	}
}

// flowId is the request's flow id as skipper's logBody prints it: the
// X-Flow-Id request header.
func flowId(ctx filters.FilterContext) string {
	return ctx.Request().Header.Get(filters.FlowIdHeader)
}
