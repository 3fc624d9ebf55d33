package auth

import (
	"net/http"
	"strings"

	"github.com/skiff-proxy/skiff/filters"
	"github.com/skiff-proxy/skiff/filters/specargs"
)

// BasicAuthName is the name of the basicAuth filter.
const BasicAuthName = "basicAuth"

// DefaultRealm is the realm of basicAuth without a second argument.
const DefaultRealm = "Basic Realm"

type basicSpec struct{}

func (basicSpec) Name() string { return BasicAuthName }

// CreateFilter takes the htpasswd file, which must exist and be readable
// now, and an optional realm.
func (basicSpec) CreateFilter(args []any) (filters.Filter, error) {
	a := specargs.Filter(BasicAuthName, args)
	if err := a.Count(1, 2); err != nil {
		return nil, err
	}
	path, err := a.NonEmptyString(0, "htpasswd file")
	if err != nil {
		return nil, err
	}
	realm := DefaultRealm
	if a.Len() == 2 {
		if realm, err = a.String(1, "realm"); err != nil {
			return nil, err
		}
		if !specargs.ValidHeaderValue(realm) {
			return nil, a.Errorf("argument 2 (realm) %q has control characters", realm)
		}
	}
	h, err := openHtpasswd(path)
	if err != nil {
		return nil, a.Errorf("argument 1 (htpasswd file): %v", err)
	}
	return &basicFilter{file: h, challenge: `Basic realm="` + quote(realm) + `"`}, nil
}

// quote escapes '"' and '\' for an RFC 9110 quoted string.
func quote(s string) string {
	if !strings.ContainsAny(s, `"\`) {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] == '"' || s[i] == '\\' {
			b.WriteByte('\\')
		}
		b.WriteByte(s[i])
	}
	return b.String()
}

type basicFilter struct {
	noResponse
	file      *htpasswd
	challenge string
}

func (f *basicFilter) Request(ctx filters.FilterContext) {
	if user, password, ok := ctx.Request().BasicAuth(); ok {
		hash, err := f.file.lookup(user)
		if err != nil {
			ctx.Logger().Errorf("basicAuth: reading %s: %v (the last content read stays in use)", f.file.path, err)
		}
		if hash != "" && checkPassword(password, hash) {
			authorized(ctx, user)
			return
		}
	}
	ctx.Serve(&http.Response{
		StatusCode: http.StatusUnauthorized,
		Header:     http.Header{"Www-Authenticate": {f.challenge}},
		Body:       http.NoBody,
	})
}
