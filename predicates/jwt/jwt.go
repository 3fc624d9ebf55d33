package jwt

import (
	"encoding/base64"
	"encoding/json"
	"net/http"
	"regexp"
	"strings"

	"github.com/skiff-proxy/skiff/filters/specargs"
	"github.com/skiff-proxy/skiff/routing"
)

// Names of the predicates.
const (
	AnyKVName       = "JWTPayloadAnyKV"
	AllKVName       = "JWTPayloadAllKV"
	AnyKVRegexpName = "JWTPayloadAnyKVRegexp"
	AllKVRegexpName = "JWTPayloadAllKVRegexp"
)

// Specs returns the four JWT payload predicates.
func Specs() []routing.PredicateSpec {
	return []routing.PredicateSpec{NewAnyKV(), NewAllKV(), NewAnyKVRegexp(), NewAllKVRegexp()}
}

// NewAnyKV returns JWTPayloadAnyKV(key, value, ...): some claim named by a
// key is a string equal to one of the values given for it.
func NewAnyKV() routing.PredicateSpec { return spec{AnyKVName, false, false} }

// NewAllKV returns JWTPayloadAllKV(key, value, ...): for every key, the
// claim is a string equal to each value given for it.
func NewAllKV() routing.PredicateSpec { return spec{AllKVName, true, false} }

// NewAnyKVRegexp returns JWTPayloadAnyKVRegexp(key, regexp, ...), which is
// JWTPayloadAnyKV with regular expressions for values.
func NewAnyKVRegexp() routing.PredicateSpec { return spec{AnyKVRegexpName, false, true} }

// NewAllKVRegexp returns JWTPayloadAllKVRegexp(key, regexp, ...), which is
// JWTPayloadAllKV with regular expressions for values.
func NewAllKVRegexp() routing.PredicateSpec { return spec{AllKVRegexpName, true, true} }

type spec struct {
	name   string
	all    bool
	regexp bool
}

func (s spec) Name() string { return s.name }

func (s spec) Create(args []any) (routing.Predicate, error) {
	a := specargs.Predicate(s.name, args)
	if err := a.Count(2, -1); err != nil {
		return nil, err
	}
	if len(args)%2 != 0 {
		return nil, a.Errorf("expects key/value pairs, got %d arguments", len(args))
	}
	p := &predicate{all: s.all, kv: map[string][]matcher{}}
	for i := 0; i < len(args); i += 2 {
		key, err := a.String(i, "claim")
		if err != nil {
			return nil, err
		}
		var m matcher
		if s.regexp {
			rx, err := a.Regexp(i+1, "value")
			if err != nil {
				return nil, err
			}
			m.rx = rx
		} else {
			if m.value, err = a.String(i+1, "value"); err != nil {
				return nil, err
			}
		}
		if _, seen := p.kv[key]; !seen {
			p.keys = append(p.keys, key)
		}
		p.kv[key] = append(p.kv[key], m)
	}
	return p, nil
}

type matcher struct {
	value string
	rx    *regexp.Regexp
}

func (m matcher) match(s string) bool {
	if m.rx != nil {
		return m.rx.MatchString(s)
	}
	return s == m.value
}

type predicate struct {
	all  bool
	keys []string // of kv, in argument order
	kv   map[string][]matcher
}

// Match decodes the payload of the bearer token (the second of its three
// dot-separated parts, base64url without padding, a JSON object) and
// checks its string claims; other claim types never match.
func (p *predicate) Match(r *http.Request) bool {
	h := r.Header.Get("Authorization")
	token, ok := strings.CutPrefix(h, "Bearer ")
	if !ok {
		return false
	}
	claims, ok := payload(token)
	if !ok {
		return false
	}
	if p.all {
		// skipper's rule: the token has at least as many claims as keys
		// are given, and every value given for a key matches
		if len(p.keys) > len(claims) {
			return false
		}
		for _, k := range p.keys {
			v, ok := claims[k].(string)
			if !ok {
				return false
			}
			for _, m := range p.kv[k] {
				if !m.match(v) {
					return false
				}
			}
		}
		return true
	}
	for _, k := range p.keys {
		if v, ok := claims[k].(string); ok {
			for _, m := range p.kv[k] {
				if m.match(v) {
					return true
				}
			}
		}
	}
	return false
}

// payload returns the claims of a token of exactly three parts.
func payload(token string) (map[string]any, bool) {
	_, rest, ok := strings.Cut(token, ".")
	if !ok {
		return nil, false
	}
	body, sig, ok := strings.Cut(rest, ".")
	if !ok || strings.Contains(sig, ".") {
		return nil, false
	}
	b, err := base64.RawURLEncoding.DecodeString(body)
	if err != nil {
		return nil, false
	}
	var claims map[string]any
	if err := json.Unmarshal(b, &claims); err != nil {
		return nil, false
	}
	return claims, true
}
