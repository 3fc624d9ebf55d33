// Package auth holds skipper's authentication filters: basicAuth (htpasswd
// files), jwtValidation and jwtValidationKeys (JWT signatures checked
// against a JWKS), the oauthTokeninfo* family (bearer tokens checked by a
// tokeninfo service) and forwardToken / forwardTokenField, which pass what
// those filters learnt about the token on to the backend.
//
// The JWKS key sets, the tokeninfo client and its cache live in a Registry
// that the caller creates, passes to Specs and closes at shutdown; it owns
// the goroutines that refresh key sets.
package auth
