package auth

import "github.com/skiff-proxy/skiff/filters"

// Specs returns the auth filter specs. The JWT and tokeninfo filters use
// reg; with a nil reg, or a reg without a tokeninfo URL, those filters
// are still known but refuse to be created, saying what is missing.
func Specs(reg *Registry) []filters.Spec {
	return []filters.Spec{
		basicSpec{},
		jwtSpec{reg: reg, discovery: true},
		jwtSpec{reg: reg},
		tokeninfoSpec{reg, OAuthTokeninfoAnyScopeName, anyScope},
		tokeninfoSpec{reg, OAuthTokeninfoAllScopeName, allScope},
		tokeninfoSpec{reg, OAuthTokeninfoAnyKVName, anyKV},
		tokeninfoSpec{reg, OAuthTokeninfoAllKVName, allKV},
		validateSpec{reg},
		forwardTokenSpec{},
		forwardTokenFieldSpec{},
	}
}
