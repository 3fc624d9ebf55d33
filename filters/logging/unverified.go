package logging

import (
	"encoding/base64"
	"encoding/json"
	"strings"

	"github.com/skiff-proxy/skiff/filters"
	"github.com/skiff-proxy/skiff/filters/specargs"
)

// UnverifiedAuditHeader is the request header unverifiedAuditLog sets and
// the access log prints as its audit field.
const UnverifiedAuditHeader = "X-Unverified-Audit"

// invalidSub replaces a claim that is not auditSafe.
const invalidSub = "<invalid-sub>"

type unverifiedAuditLogSpec struct{}

func (unverifiedAuditLogSpec) Name() string { return "unverifiedAuditLog" }

// CreateFilter takes the names of the token claims to try, in order;
// "sub" when there is none.
func (s unverifiedAuditLogSpec) CreateFilter(args []any) (filters.Filter, error) {
	if len(args) == 0 {
		return &unverifiedAuditLog{claims: []string{"sub"}}, nil
	}
	a := specargs.Filter(s.Name(), args)
	f := &unverifiedAuditLog{claims: make([]string, len(args))}
	for i := range args {
		c, err := a.String(i, "claim name")
		if err != nil {
			return nil, err
		}
		f.claims[i] = c
	}
	return f, nil
}

type unverifiedAuditLog struct{ claims []string }

// Request reads the claims of the bearer JWT in the Authorization header
// without verifying its signature, and sets X-Unverified-Audit to the
// first of the configured claims that is a string: as it is when it is
// auditSafe, else "<invalid-sub>". Without such a
// token or claim the request is left alone.
func (f *unverifiedAuditLog) Request(ctx filters.FilterContext) {
	r := ctx.Request()
	token, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
	if !ok {
		return
	}
	claims := unverifiedClaims(token)
	if claims == nil {
		return
	}
	for _, name := range f.claims {
		if v, ok := claims[name].(string); ok {
			if !auditSafe(v) {
				v = invalidSub
			}
			// Set, not add: a value the client sent must not come first,
			// which is the one the access log prints.
			r.Header[UnverifiedAuditHeader] = []string{v}
			return
		}
	}
}

func (*unverifiedAuditLog) Response(filters.FilterContext) {}

// unverifiedClaims decodes the payload of a JWT in compact form (three
// dot-separated parts, the second base64url without padding, a JSON
// object); nil when it is none.
func unverifiedClaims(token string) map[string]any {
	_, rest, ok := strings.Cut(token, ".")
	if !ok {
		return nil
	}
	payload, sig, ok := strings.Cut(rest, ".")
	if !ok || strings.Contains(sig, ".") {
		return nil
	}
	b, err := base64.RawURLEncoding.DecodeString(payload)
	if err != nil {
		return nil
	}
	var claims map[string]any
	if json.Unmarshal(b, &claims) != nil {
		return nil
	}
	return claims
}

// auditSafe reports whether s consists of ASCII letters, digits and
// _/:?=&%@.#- only: skipper's ^[a-zA-Z0-9_/:?=&%@.#-]*$.
func auditSafe(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || strings.IndexByte("_/:?=&%@.#-", c) >= 0 {
			continue
		}
		return false
	}
	return true
}
