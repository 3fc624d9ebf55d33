package gorouter

import (
	"net/http"
	"strings"

	"github.com/sirupsen/logrus"

	"github.com/skiff-proxy/skiff/accesslog"
	"github.com/skiff-proxy/skiff/dataclients/nats/cfhttp"
	"github.com/skiff-proxy/skiff/filters"
)

// Semicolons in the request target (spec §9.2): Go stopped splitting
// queries at ';' (Go 1.17), so apps that relied on it see different
// parameters. gorouter warns about every such request in its log, and
// notes "deprecated-semicolon-params" as the router error of a proxied
// one, but only after the response went out: the access log shows it,
// the client never sees the header. skiff does the same without the
// header: a warning log line and the access-log field.

const (
	semicolonWarning = "deprecated-semicolon-params"
	// bagSemicolon marks a proxied request whose target has a ';'.
	bagSemicolon = "nats:semicolon"
)

// hasSemicolon reports whether the raw request target has a ';'.
func hasSemicolon(r *http.Request) bool { return strings.IndexByte(r.RequestURI, ';') >= 0 }

// warnSemicolon logs gorouter's warning for r. id is the request id, ""
// when the router answers before it makes one.
func warnSemicolon(log logrus.FieldLogger, r *http.Request, id string) {
	fields := logrus.Fields{"uri": r.RequestURI, "host": r.Host}
	if id != "" {
		fields["vcap_request_id"] = id
	}
	log.WithFields(fields).Warn(semicolonWarning)
}

// semicolonLogField gives a proxied request with a ';' the access-log
// router error, unless it has one already: the access log shows a
// request's first router error (§10), and an endpoint failure's, or one
// the backend's response carries, came first.
func semicolonLogField(bag map[string]any, rsp *http.Response) {
	if _, ok := bag[bagSemicolon]; !ok || rsp.Header.Get(cfhttp.HeaderRouterError) != "" {
		return
	}
	if add, _ := bag[filters.AccessLogAdditional].(map[string]any); add != nil {
		if v, ok := add[accesslog.KeyRouterError]; ok && v != "" {
			return
		}
	}
	logField(bag, accesslog.KeyRouterError, semicolonWarning)
}
