package auth

import (
	"net/http"
	"strings"

	"github.com/skiff-proxy/skiff/filters"
)

// State-bag keys the auth filters write, under skipper's names, so that
// forwardToken, forwardTokenField and filters of other packages find them.
const (
	// TokeninfoKey holds the tokeninfo answer (map[string]any) of the
	// oauthTokeninfo* filter that let the request pass.
	TokeninfoKey = "tokeninfo"
	// ClaimsKey holds the *Token of the jwtValidation or
	// jwtValidationKeys filter that let the request pass.
	ClaimsKey = "oidcclaimscachekey"
	// RejectReasonKey holds why an auth filter answered 401 or 403
	// (string: missing-token, invalid-token, invalid-scope, ...).
	RejectReasonKey = "auth-reject-reason"
	// AnnotationsKey is where the annotate filter keeps a route's
	// annotations (map[string]string); oauthTokeninfoValidate reads it.
	AnnotationsKey = "filter.annotate"
)

// Token is what jwtValidation stores under ClaimsKey: the verified claims
// and the subject. Its JSON form is skipper's, so forwardTokenField paths
// such as "claims.email" or "subject" mean the same.
type Token struct {
	Subject string
	Claims  map[string]any
}

// Reasons for a rejection, skipper's words.
const (
	missingBearerToken = "missing-bearer-token"
	missingToken       = "missing-token"
	authServiceAccess  = "auth-service-access"
	invalidSub         = "invalid-sub-in-token"
	invalidToken       = "invalid-token"
	invalidScope       = "invalid-scope"
)

const bearerPrefix = "Bearer "

// bearerToken returns the token of an "Authorization: Bearer <token>"
// header. The scheme is matched case-sensitively, as skipper does.
func bearerToken(r *http.Request) (string, bool) {
	h := r.Header.Get("Authorization")
	if !strings.HasPrefix(h, bearerPrefix) {
		return "", false
	}
	return h[len(bearerPrefix):], true
}

// reject answers status with an empty body, noting user and reason for
// the access log.
func reject(ctx filters.FilterContext, status int, user, reason string) {
	ctx.Logger().Debugf("auth: rejected with %d, user %q, reason %s", status, user, reason)
	bag := ctx.StateBag()
	bag[filters.AuthUser] = user
	bag[RejectReasonKey] = reason
	ctx.Serve(&http.Response{StatusCode: status, Header: http.Header{}, Body: http.NoBody})
}

func authorized(ctx filters.FilterContext, user string) {
	ctx.StateBag()[filters.AuthUser] = user
}

// noResponse is embedded by the filters that act in the request phase
// only.
type noResponse struct{}

func (noResponse) Response(filters.FilterContext) {}
