// Package jwt provides the JWTPayloadAnyKV, JWTPayloadAllKV,
// JWTPayloadAnyKVRegexp and JWTPayloadAllKVRegexp predicates: they match
// on the claims of the JWT in an "Authorization: Bearer" header without
// checking its signature, to route by issuer, realm or similar before an
// auth filter validates the token.
package jwt
