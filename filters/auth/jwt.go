package auth

import (
	"context"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/rsa"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"sync"

	"github.com/golang-jwt/jwt/v5"

	"github.com/skiff-proxy/skiff/filters"
	"github.com/skiff-proxy/skiff/filters/specargs"
)

// Names of the JWT filters.
const (
	JwtValidationName     = "jwtValidation"
	JwtValidationKeysName = "jwtValidationKeys"
)

// unknownSubject is the subject of a token without "sub" that
// jwtValidationKeys accepts.
const unknownSubject = "authUnknown"

// jwtSpec makes jwtValidation (issuer URL, keys discovered, "sub"
// required) or jwtValidationKeys (key-set URL, "sub" optional).
type jwtSpec struct {
	reg       *Registry
	discovery bool
}

func (s jwtSpec) Name() string {
	if s.discovery {
		return JwtValidationName
	}
	return JwtValidationKeysName
}

func (s jwtSpec) CreateFilter(args []any) (filters.Filter, error) {
	a := specargs.Filter(s.Name(), args)
	if err := a.Count(1, 1); err != nil {
		return nil, err
	}
	what := "JWKS URL"
	if s.discovery {
		what = "issuer URL"
	}
	u, err := a.NonEmptyString(0, what)
	if err != nil {
		return nil, err
	}
	if p, err := url.Parse(u); err != nil || (p.Scheme != "http" && p.Scheme != "https") || p.Host == "" {
		return nil, a.Errorf("argument 1 (%s) %q is not an http or https URL", what, u)
	}
	if s.reg == nil {
		return nil, a.Errorf("no auth registry configured")
	}
	f := &jwtFilter{requireSub: s.discovery}
	if s.discovery {
		f.keys, err = s.reg.acquireIssuer(u)
		if err == nil {
			f.release = func() { f.keys.release(); s.reg.releaseIssuer(u) }
		}
	} else {
		f.keys, err = s.reg.acquireKeys(u)
		if err == nil {
			f.release = f.keys.release
		}
	}
	if err != nil {
		return nil, a.Errorf("%v", err)
	}
	return f, nil
}

type jwtFilter struct {
	noResponse
	keys       *keySet
	requireSub bool
	release    func()
	closeOnce  sync.Once
}

// Close gives the key set back to the registry; the last filter to do so
// stops its refreshes.
func (f *jwtFilter) Close() error {
	f.closeOnce.Do(f.release)
	return nil
}

func (f *jwtFilter) Request(ctx filters.FilterContext) {
	bag := ctx.StateBag()
	tok, ok := bag[ClaimsKey].(*Token)
	if !ok {
		r := ctx.Request()
		raw, ok := bearerToken(r)
		if !ok || raw == "" {
			reject(ctx, 401, "", missingToken)
			return
		}
		claims, err := f.verify(r.Context(), raw)
		if err != nil {
			ctx.Logger().Debugf("%s: %v", JwtValidationName, err)
			reject(ctx, 401, "", invalidToken)
			return
		}
		tok = &Token{Claims: claims}
	}
	if tok.Claims == nil {
		tok.Claims = map[string]any{}
	}
	sub, _ := tok.Claims["sub"].(string)
	if sub == "" {
		if f.requireSub {
			reject(ctx, 401, "", invalidSub)
			return
		}
		sub = unknownSubject
		tok.Claims["sub"] = sub
	}
	tok.Subject = sub
	authorized(ctx, sub)
	bag[ClaimsKey] = tok
}

// signingMethods are the algorithms a key set can verify: no "none", no
// shared secrets.
var signingMethods = []string{"RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384", "ES512", "EdDSA"}

var parser = jwt.NewParser(jwt.WithValidMethods(signingMethods), jwt.WithIssuedAt())

var errNoKid = errors.New("token has no key id (kid)")

// verify checks the token's signature with the key its "kid" names and
// its exp, nbf and iat claims, and returns its claims.
func (f *jwtFilter) verify(ctx context.Context, raw string) (map[string]any, error) {
	claims := jwt.MapClaims{}
	_, err := parser.ParseWithClaims(raw, claims, func(t *jwt.Token) (any, error) {
		kid, ok := t.Header["kid"].(string)
		if !ok {
			return nil, errNoKid
		}
		k, ok := f.keys.key(ctx, kid)
		if !ok {
			return nil, fmt.Errorf("no key %q in %s", kid, f.keys.url)
		}
		if !k.fits(t.Method.Alg()) {
			return nil, fmt.Errorf("key %q does not sign with %s", kid, t.Method.Alg())
		}
		return k.key, nil
	})
	if err != nil {
		return nil, err
	}
	return claims, nil
}

// fits reports whether the key verifies signatures of algorithm alg.
func (k jwk) fits(alg string) bool {
	if k.alg != "" && k.alg != alg && !(k.alg == "Ed25519" && alg == "EdDSA") {
		return false
	}
	switch key := k.key.(type) {
	case *rsa.PublicKey:
		switch alg {
		case "RS256", "RS384", "RS512", "PS256", "PS384", "PS512":
			return true
		}
	case *ecdsa.PublicKey:
		switch alg {
		case "ES256":
			return key.Curve.Params().BitSize == 256
		case "ES384":
			return key.Curve.Params().BitSize == 384
		case "ES512":
			return key.Curve.Params().BitSize == 521
		}
	case ed25519.PublicKey:
		return alg == "EdDSA"
	}
	return false
}

// MarshalJSON writes skipper's form of the validated token, which
// forwardTokenField paths address: {"oauth2token":null,"oidctoken":"",
// "subject":...,"claims":{...}}.
func (t *Token) MarshalJSON() ([]byte, error) {
	return json.Marshal(t.tree())
}

// tree is the token as ordered JSON members.
func (t *Token) tree() orderedObject {
	claims := t.Claims
	if claims == nil {
		claims = map[string]any{}
	}
	return orderedObject{
		{"oauth2token", nil},
		{"oidctoken", ""},
		{"subject", t.Subject},
		{"claims", claims},
	}
}
