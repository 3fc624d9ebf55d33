package cookie

import "github.com/skiff-proxy/skiff/filters"

// Specs returns the cookie filter specs.
func Specs() []filters.Spec {
	return []filters.Spec{
		responseSpec{name: "responseCookie", httpOnly: true},
		responseSpec{name: "jsCookie"},
		requestSpec{},
		dropSpec{name: "dropRequestCookie"},
		dropSpec{name: "dropResponseCookie", response: true},
	}
}
