package auth

import (
	"errors"
	"io"
	"net/http"
	"regexp"
	"strconv"
	"strings"

	"sigs.k8s.io/yaml"

	"github.com/skiff-proxy/skiff/filters"
	"github.com/skiff-proxy/skiff/filters/specargs"
)

// Names of the tokeninfo filters.
const (
	OAuthTokeninfoAnyScopeName = "oauthTokeninfoAnyScope"
	OAuthTokeninfoAllScopeName = "oauthTokeninfoAllScope"
	OAuthTokeninfoAnyKVName    = "oauthTokeninfoAnyKV"
	OAuthTokeninfoAllKVName    = "oauthTokeninfoAllKV"
	OAuthTokeninfoValidateName = "oauthTokeninfoValidate"
)

type check int

const (
	anyScope check = iota
	allScope
	anyKV
	allKV
)

type tokeninfoSpec struct {
	reg   *Registry
	name  string
	check check
}

func (s tokeninfoSpec) Name() string { return s.name }

// client returns the registry's tokeninfo client or an error saying why
// there is none.
func client(a specargs.Args, reg *Registry) (*tokeninfoClient, error) {
	if reg == nil || reg.tokeninfo == nil {
		return nil, a.Errorf("no tokeninfo URL configured (-oauth2-tokeninfo-url)")
	}
	if err := reg.tokeninfo.urlErr; err != nil {
		return nil, a.Errorf("%v", err)
	}
	return reg.tokeninfo, nil
}

func (s tokeninfoSpec) CreateFilter(args []any) (filters.Filter, error) {
	a := specargs.Filter(s.name, args)
	if err := a.Count(1, -1); err != nil {
		return nil, err
	}
	strs := make([]string, len(args))
	for i := range args {
		var err error
		if strs[i], err = a.String(i, "scope or key/value"); err != nil {
			return nil, err
		}
	}
	c, err := client(a, s.reg)
	if err != nil {
		return nil, err
	}
	f := &tokeninfoFilter{client: c, check: s.check}
	switch s.check {
	case anyScope, allScope:
		f.scopes = strs
	case anyKV, allKV:
		if len(strs)%2 != 0 {
			return nil, a.Errorf("want key/value pairs, got %d arguments", len(strs))
		}
		f.kv = map[string][]string{}
		for i := 0; i < len(strs); i += 2 {
			f.kv[strs[i]] = append(f.kv[strs[i]], strs[i+1])
		}
	}
	return f, nil
}

type tokeninfoFilter struct {
	noResponse
	client *tokeninfoClient
	check  check
	scopes []string
	kv     map[string][]string
}

func (f *tokeninfoFilter) Request(ctx filters.FilterContext) {
	bag := ctx.StateBag()
	info, ok := bag[TokeninfoKey].(map[string]any)
	if !ok {
		r := ctx.Request()
		token, ok := bearerToken(r)
		if !ok || token == "" {
			reject(ctx, 401, "", missingBearerToken)
			return
		}
		var err error
		info, err = f.client.get(r.Context(), token)
		if err != nil {
			reason := invalidToken
			if !errors.Is(err, errTokenRejected) {
				reason = authServiceAccess
				ctx.Logger().Errorf("tokeninfo: %v", err)
			}
			reject(ctx, 401, "", reason)
			return
		}
	}
	uid, _ := info["uid"].(string)
	if !f.allowed(info) {
		reject(ctx, 403, uid, invalidScope)
		return
	}
	authorized(ctx, uid)
	bag[TokeninfoKey] = info
}

func (f *tokeninfoFilter) allowed(info map[string]any) bool {
	switch f.check {
	case anyScope:
		scopes, ok := info["scope"].([]any)
		return ok && containsAny(scopes, f.scopes)
	case allScope:
		scopes, ok := info["scope"].([]any)
		return ok && containsAll(scopes, f.scopes)
	case anyKV:
		for k, vs := range f.kv {
			if got, ok := info[k].(string); ok && contains(vs, got) {
				return true
			}
		}
		return false
	case allKV:
		// skipper's rule: every value given for a key must equal the
		// token's, so two values for one key never match
		if len(info) < len(f.kv) {
			return false
		}
		for k, vs := range f.kv {
			got, ok := info[k].(string)
			if !ok {
				return false
			}
			for _, v := range vs {
				if v != got {
					return false
				}
			}
		}
		return true
	}
	return false
}

func contains(vs []string, s string) bool {
	for _, v := range vs {
		if v == s {
			return true
		}
	}
	return false
}

func hasScope(scopes []any, s string) bool {
	for _, v := range scopes {
		if v == s {
			return true
		}
	}
	return false
}

func containsAny(scopes []any, want []string) bool {
	for _, w := range want {
		if hasScope(scopes, w) {
			return true
		}
	}
	return false
}

func containsAll(scopes []any, want []string) bool {
	for _, w := range want {
		if !hasScope(scopes, w) {
			return false
		}
	}
	return true
}

// validateConfig is the YAML argument of oauthTokeninfoValidate.
type validateConfig struct {
	OptOutAnnotations    []string `json:"optOutAnnotations,omitempty"`
	UnauthorizedResponse string   `json:"unauthorizedResponse,omitempty"`
	OptOutHosts          []string `json:"optOutHosts,omitempty"`
}

type validateSpec struct{ reg *Registry }

func (validateSpec) Name() string { return OAuthTokeninfoValidateName }

func (s validateSpec) CreateFilter(args []any) (filters.Filter, error) {
	a := specargs.Filter(OAuthTokeninfoValidateName, args)
	if err := a.Count(1, 1); err != nil {
		return nil, err
	}
	text, err := a.String(0, "YAML configuration")
	if err != nil {
		return nil, err
	}
	var cfg validateConfig
	if err := yaml.Unmarshal([]byte(text), &cfg); err != nil {
		return nil, a.Errorf("argument 1 (YAML configuration): %v", err)
	}
	f := &validateFilter{optOutAnnotations: cfg.OptOutAnnotations, body: cfg.UnauthorizedResponse}
	for _, h := range cfg.OptOutHosts {
		rx, err := regexp.Compile(h)
		if err != nil {
			return nil, a.Errorf("argument 1 (YAML configuration): opt-out host pattern %q: %v", h, err)
		}
		f.optOutHosts = append(f.optOutHosts, rx)
	}
	if f.client, err = client(a, s.reg); err != nil {
		return nil, err
	}
	return f, nil
}

type validateFilter struct {
	noResponse
	client            *tokeninfoClient
	optOutAnnotations []string
	optOutHosts       []*regexp.Regexp
	body              string
}

func (f *validateFilter) Request(ctx filters.FilterContext) {
	bag := ctx.StateBag()
	if _, ok := bag[TokeninfoKey]; ok {
		return // a filter before validated the token
	}
	if len(f.optOutAnnotations) > 0 {
		if ann, ok := bag[AnnotationsKey].(map[string]string); ok {
			for _, name := range f.optOutAnnotations {
				if _, ok := ann[name]; ok {
					return
				}
			}
		}
	}
	r := ctx.Request()
	for _, rx := range f.optOutHosts {
		if rx.MatchString(r.Host) {
			return
		}
	}
	token, ok := bearerToken(r)
	if !ok || token == "" {
		f.unauthorized(ctx)
		return
	}
	info, err := f.client.get(r.Context(), token)
	if err != nil {
		if !errors.Is(err, errTokenRejected) {
			ctx.Logger().Errorf("tokeninfo: %v", err)
		}
		f.unauthorized(ctx)
		return
	}
	uid, _ := info["uid"].(string)
	authorized(ctx, uid)
	bag[TokeninfoKey] = info
}

func (f *validateFilter) unauthorized(ctx filters.FilterContext) {
	ctx.Serve(&http.Response{
		StatusCode:    http.StatusUnauthorized,
		Header:        http.Header{"Content-Length": {strconv.Itoa(len(f.body))}},
		ContentLength: int64(len(f.body)),
		Body:          io.NopCloser(strings.NewReader(f.body)),
	})
}
