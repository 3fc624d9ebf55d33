package auth

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"math/big"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/skiff-proxy/skiff/filters"
	"github.com/skiff-proxy/skiff/filters/filtertest"
)

// testKeys are generated once for the package's tests.
var testKeys = sync.OnceValue(func() (k struct {
	rsa, rsa2 *rsa.PrivateKey
	ec        *ecdsa.PrivateKey
	ec384     *ecdsa.PrivateKey
	ed        ed25519.PrivateKey
}) {
	var err error
	if k.rsa, err = rsa.GenerateKey(rand.Reader, 2048); err != nil {
		panic(err)
	}
	if k.rsa2, err = rsa.GenerateKey(rand.Reader, 2048); err != nil {
		panic(err)
	}
	if k.ec, err = ecdsa.GenerateKey(elliptic.P256(), rand.Reader); err != nil {
		panic(err)
	}
	if k.ec384, err = ecdsa.GenerateKey(elliptic.P384(), rand.Reader); err != nil {
		panic(err)
	}
	if _, k.ed, err = ed25519.GenerateKey(rand.Reader); err != nil {
		panic(err)
	}
	return
})

func enc(b []byte) string { return base64.RawURLEncoding.EncodeToString(b) }

// jwkOf returns the JWK (a JSON object) of the public part of key.
func jwkOf(kid string, key crypto.Signer, extra ...string) string {
	var members []string
	switch k := key.Public().(type) {
	case *rsa.PublicKey:
		members = []string{`"kty":"RSA"`, `"n":"` + enc(k.N.Bytes()) + `"`, `"e":"` + enc(big.NewInt(int64(k.E)).Bytes()) + `"`}
	case *ecdsa.PublicKey:
		b, _ := k.Bytes()
		size := (len(b) - 1) / 2
		members = []string{`"kty":"EC"`, `"crv":"` + k.Params().Name + `"`, `"x":"` + enc(b[1:1+size]) + `"`, `"y":"` + enc(b[1+size:]) + `"`}
	case ed25519.PublicKey:
		members = []string{`"kty":"OKP"`, `"crv":"Ed25519"`, `"x":"` + enc(k) + `"`}
	}
	members = append(members, `"kid":"`+kid+`"`)
	members = append(members, extra...)
	return "{" + strings.Join(members, ",") + "}"
}

func jwksOf(keys ...string) string { return `{"keys":[` + strings.Join(keys, ",") + `]}` }

// sign returns a token with claims and kid ("" for none) signed by key.
func sign(t testing.TB, method jwt.SigningMethod, key any, kid string, claims jwt.MapClaims) string {
	t.Helper()
	tok := jwt.NewWithClaims(method, claims)
	if kid != "" {
		tok.Header["kid"] = kid
	}
	s, err := tok.SignedString(key)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// jsonServer serves a JSON document that a test can change, counting
// requests.
type jsonServer struct {
	*httptest.Server
	body  atomic.Pointer[string]
	hits  atomic.Int64
	delay time.Duration
}

func newJSONServer(t testing.TB, body string) *jsonServer {
	t.Helper()
	s := &jsonServer{}
	s.set(body)
	s.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.hits.Add(1)
		if s.delay > 0 {
			select {
			case <-time.After(s.delay):
			case <-r.Context().Done():
				return
			}
		}
		b := *s.body.Load()
		if b == "" {
			http.Error(w, "gone", http.StatusInternalServerError)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprint(w, b)
	}))
	t.Cleanup(s.Close)
	return s
}

func (s *jsonServer) set(body string) { s.body.Store(&body) }

func newTestRegistry(t testing.TB, o Options) *Registry {
	t.Helper()
	r := NewRegistry(o)
	t.Cleanup(func() { r.Close() })
	return r
}

func bearerRequest(token string) *http.Request {
	r := httptest.NewRequest("GET", "/", nil)
	if token != "" {
		r.Header.Set("Authorization", "Bearer "+token)
	}
	return r
}

func createJWT(t testing.TB, reg *Registry, name string, url string) *jwtFilter {
	t.Helper()
	f, err := filtertest.Spec(t, Specs(reg), name).CreateFilter([]any{url})
	if err != nil {
		t.Fatal(err)
	}
	jf := f.(*jwtFilter)
	t.Cleanup(func() { jf.Close() })
	return jf
}

func TestJWTValidationKeys(t *testing.T) {
	k := testKeys()
	keys := newJSONServer(t, jwksOf(
		jwkOf("rsa", k.rsa, `"alg":"RS256"`, `"use":"sig"`),
		jwkOf("ec", k.ec),
		jwkOf("ec384", k.ec384),
		jwkOf("ed", k.ed),
		jwkOf("rsa2", k.rsa2, `"alg":"PS256"`),
		jwkOf("enc", k.rsa2, `"use":"enc"`),
		`{"kty":"oct","kid":"hmac","k":"c2VjcmV0"}`,
	))
	reg := newTestRegistry(t, Options{JWKSRefreshRateLimit: time.Hour})
	f := createJWT(t, reg, JwtValidationKeysName, keys.URL)

	now := time.Now()
	valid := jwt.MapClaims{"sub": "aaa", "iss": "test", "exp": now.Add(time.Hour).Unix()}
	noSub := jwt.MapClaims{"iss": "test", "exp": now.Add(time.Hour).Unix()}
	for _, tc := range []struct {
		name   string
		auth   string // whole header
		ok     bool
		reason string
		sub    string
	}{
		{"RS256", "Bearer " + sign(t, jwt.SigningMethodRS256, k.rsa, "rsa", valid), true, "", "aaa"},
		{"ES256", "Bearer " + sign(t, jwt.SigningMethodES256, k.ec, "ec", valid), true, "", "aaa"},
		{"ES384", "Bearer " + sign(t, jwt.SigningMethodES384, k.ec384, "ec384", valid), true, "", "aaa"},
		{"EdDSA", "Bearer " + sign(t, jwt.SigningMethodEdDSA, k.ed, "ed", valid), true, "", "aaa"},
		{"PS256", "Bearer " + sign(t, jwt.SigningMethodPS256, k.rsa2, "rsa2", valid), true, "", "aaa"},
		{"no sub accepted", "Bearer " + sign(t, jwt.SigningMethodRS256, k.rsa, "rsa", noSub), true, "", unknownSubject},
		{"no exp accepted", "Bearer " + sign(t, jwt.SigningMethodRS256, k.rsa, "rsa", jwt.MapClaims{"sub": "b"}), true, "", "b"},

		{"expired", "Bearer " + sign(t, jwt.SigningMethodRS256, k.rsa, "rsa", jwt.MapClaims{"sub": "a", "exp": now.Add(-time.Hour).Unix()}), false, invalidToken, ""},
		{"not yet valid", "Bearer " + sign(t, jwt.SigningMethodRS256, k.rsa, "rsa", jwt.MapClaims{"sub": "a", "nbf": now.Add(time.Hour).Unix()}), false, invalidToken, ""},
		{"issued in the future", "Bearer " + sign(t, jwt.SigningMethodRS256, k.rsa, "rsa", jwt.MapClaims{"sub": "a", "iat": now.Add(time.Hour).Unix()}), false, invalidToken, ""},
		{"alg none", "Bearer " + sign(t, jwt.SigningMethodNone, jwt.UnsafeAllowNoneSignatureType, "rsa", valid), false, invalidToken, ""},
		{"HS256 with the public key as secret", "Bearer " + sign(t, jwt.SigningMethodHS256, x509.MarshalPKCS1PublicKey(&k.rsa.PublicKey), "rsa", valid), false, invalidToken, ""},
		{"HS256 with a published secret", "Bearer " + sign(t, jwt.SigningMethodHS256, []byte("secret"), "hmac", valid), false, invalidToken, ""},
		{"alg other than the key's", "Bearer " + sign(t, jwt.SigningMethodRS384, k.rsa, "rsa", valid), false, invalidToken, ""},
		{"ES256 with the P-384 key", "Bearer " + sign(t, jwt.SigningMethodES256, k.ec, "ec384", valid), false, invalidToken, ""},
		{"signed by another key", "Bearer " + sign(t, jwt.SigningMethodRS256, k.rsa2, "rsa", valid), false, invalidToken, ""},
		{"encryption key", "Bearer " + sign(t, jwt.SigningMethodRS256, k.rsa2, "enc", valid), false, invalidToken, ""},
		{"unknown kid", "Bearer " + sign(t, jwt.SigningMethodRS256, k.rsa, "nope", valid), false, invalidToken, ""},
		{"no kid", "Bearer " + sign(t, jwt.SigningMethodRS256, k.rsa, "", valid), false, invalidToken, ""},
		{"garbage", "Bearer invalid-token", false, invalidToken, ""},
		{"empty token", "Bearer ", false, missingToken, ""},
		{"no header", "", false, missingToken, ""},
		{"lower-case scheme", "bearer " + sign(t, jwt.SigningMethodRS256, k.rsa, "rsa", valid), false, missingToken, ""},
		{"basic", "Basic YTpi", false, missingToken, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := httptest.NewRequest("GET", "/", nil)
			if tc.auth != "" {
				r.Header.Set("Authorization", tc.auth)
			}
			ctx := filtertest.NewContext(r)
			f.Request(ctx)
			bag := ctx.FStateBag
			if !tc.ok {
				if !ctx.Served() || ctx.FResponse.StatusCode != 401 {
					t.Fatalf("not answered 401: %+v", ctx.FResponse)
				}
				if len(ctx.FResponse.Header) != 0 {
					t.Errorf("header %v", ctx.FResponse.Header)
				}
				if bag[RejectReasonKey] != tc.reason {
					t.Errorf("reason %v, want %s", bag[RejectReasonKey], tc.reason)
				}
				if _, ok := bag[ClaimsKey]; ok {
					t.Error("claims stored for a rejected token")
				}
				return
			}
			if ctx.Served() {
				t.Fatalf("served %d (%v)", ctx.FResponse.StatusCode, ctx.Log)
			}
			tok, _ := bag[ClaimsKey].(*Token)
			if tok == nil || tok.Subject != tc.sub || tok.Claims["sub"] != tc.sub || tok.Claims["iss"] != valid["iss"] && tc.sub != "b" {
				t.Errorf("stored %#v", bag[ClaimsKey])
			}
			if bag[filters.AuthUser] != tc.sub {
				t.Errorf("auth user %v", bag[filters.AuthUser])
			}
		})
	}
	if n := keys.hits.Load(); n != 1 {
		// the unknown kid came within the rate limit after the first fetch
		t.Errorf("key set fetched %d times, want 1", n)
	}
}

func oidcServer(t testing.TB, jwksURL string) *jsonServer {
	s := newJSONServer(t, "")
	s.set(`{"issuer":"` + s.URL + `","jwks_uri":"` + jwksURL + `","token_endpoint":"x"}`)
	return s
}

func TestJWTValidation(t *testing.T) {
	k := testKeys()
	keys := newJSONServer(t, jwksOf(jwkOf("rsa", k.rsa)))
	issuer := oidcServer(t, keys.URL)
	reg := newTestRegistry(t, Options{})
	f := createJWT(t, reg, JwtValidationName, issuer.URL)
	// a second route with the same issuer (trailing slash) needs no fetch
	createJWT(t, reg, JwtValidationName, issuer.URL+"/")
	createJWT(t, reg, JwtValidationName, issuer.URL)
	if issuer.hits.Load() != 2 || keys.hits.Load() != 1 {
		t.Errorf("discovery fetched %d times, keys %d times; want 2 and 1", issuer.hits.Load(), keys.hits.Load())
	}

	exp := time.Now().Add(time.Hour).Unix()
	for _, tc := range []struct {
		name   string
		token  string
		status int
		reason string
	}{
		{"valid", sign(t, jwt.SigningMethodRS256, k.rsa, "rsa", jwt.MapClaims{"sub": "aaa", "exp": exp}), 0, ""},
		{"sub required", sign(t, jwt.SigningMethodRS256, k.rsa, "rsa", jwt.MapClaims{"exp": exp}), 401, invalidSub},
		{"empty sub", sign(t, jwt.SigningMethodRS256, k.rsa, "rsa", jwt.MapClaims{"sub": "", "exp": exp}), 401, invalidSub},
		{"number sub", sign(t, jwt.SigningMethodRS256, k.rsa, "rsa", jwt.MapClaims{"sub": 7, "exp": exp}), 401, invalidSub},
		{"empty token", "", 401, missingToken},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := httptest.NewRequest("GET", "/", nil)
			r.Header.Set("Authorization", "Bearer "+tc.token)
			ctx := filtertest.NewContext(r)
			f.Request(ctx)
			if tc.status == 0 {
				if ctx.Served() {
					t.Fatalf("served %d", ctx.FResponse.StatusCode)
				}
				return
			}
			if !ctx.Served() || ctx.FResponse.StatusCode != tc.status || ctx.FStateBag[RejectReasonKey] != tc.reason {
				t.Errorf("response %+v, reason %v", ctx.FResponse, ctx.FStateBag[RejectReasonKey])
			}
		})
	}
}

// A token validated by an earlier filter is not checked again.
func TestJWTValidationReusesClaims(t *testing.T) {
	keys := newJSONServer(t, jwksOf(jwkOf("rsa", testKeys().rsa)))
	reg := newTestRegistry(t, Options{})
	f := createJWT(t, reg, JwtValidationName, oidcServer(t, keys.URL).URL)
	ctx := filtertest.NewContext(bearerRequest("not-checked"))
	ctx.FStateBag[ClaimsKey] = &Token{Claims: map[string]any{"sub": "earlier"}}
	f.Request(ctx)
	if ctx.Served() || ctx.FStateBag[filters.AuthUser] != "earlier" {
		t.Errorf("served %v, auth user %v", ctx.Served(), ctx.FStateBag[filters.AuthUser])
	}
}

func TestJWTCreateErrors(t *testing.T) {
	k := testKeys()
	good := newJSONServer(t, jwksOf(jwkOf("rsa", k.rsa)))
	big := newJSONServer(t, `{"keys":[], "pad":"`+strings.Repeat("x", 2000)+`"}`)
	empty := newJSONServer(t, `{"keys":[]}`)
	unusable := newJSONServer(t, jwksOf(`{"kty":"RSA","kid":"a","n":"AQAB","e":"AQAB"}`, `{"kty":"EC","kid":"b","crv":"P-256","x":"AAAA","y":"AAAA"}`))
	failing := newJSONServer(t, "")
	notJSON := newJSONServer(t, "")
	notJSON.set("<html>")
	slow := newJSONServer(t, jwksOf(jwkOf("rsa", k.rsa)))
	slow.delay = 5 * time.Second
	noJwksURI := newJSONServer(t, `{"issuer":"x"}`)
	reg := newTestRegistry(t, Options{MaxResponseSize: 1000, FetchTimeout: 200 * time.Millisecond})

	keysSpec := filtertest.Spec(t, Specs(reg), JwtValidationKeysName)
	issuerSpec := filtertest.Spec(t, Specs(reg), JwtValidationName)
	for _, tc := range []struct {
		spec filters.Spec
		args []any
		bad  string
	}{
		{keysSpec, nil, "want 1 argument(s), got 0"},
		{keysSpec, []any{good.URL, good.URL}, "want 1 argument(s), got 2"},
		{keysSpec, []any{123.0}, "argument 1 (JWKS URL) must be a string"},
		{keysSpec, []any{"/keys"}, "is not an http or https URL"},
		{keysSpec, []any{"ftp://x/keys"}, "is not an http or https URL"},
		{issuerSpec, []any{""}, "argument 1 (issuer URL) must not be empty"},
		{keysSpec, []any{big.URL}, "response too large"},
		{keysSpec, []any{empty.URL}, "has no usable key"},
		{keysSpec, []any{unusable.URL}, "has no usable key"},
		{keysSpec, []any{failing.URL}, "status 500"},
		{keysSpec, []any{notJSON.URL}, "invalid character"},
		{keysSpec, []any{slow.URL}, "deadline exceeded"},
		{issuerSpec, []any{noJwksURI.URL}, "no jwks_uri"},
		{issuerSpec, []any{failing.URL}, "status 500"},
		{issuerSpec, []any{oidcServer(t, failing.URL).URL}, "status 500"},
		{filtertest.Spec(t, Specs(nil), JwtValidationKeysName), []any{good.URL}, "no auth registry configured"},
	} {
		start := time.Now()
		filtertest.CheckCreate(t, tc.spec, tc.args, tc.bad)
		if d := time.Since(start); d > 2*time.Second {
			t.Errorf("%v took %v", tc.args, d)
		}
	}
	// a failed fetch is remembered for a while: no new request
	n := failing.hits.Load()
	filtertest.CheckCreate(t, keysSpec, []any{failing.URL}, "status 500")
	if failing.hits.Load() != n {
		t.Error("failed key set fetched again at once")
	}
	reg.mu.Lock()
	defer reg.mu.Unlock()
	if len(reg.sets) != 0 || len(reg.issuers) != 0 {
		t.Errorf("failed creations left %d key sets, %d issuers", len(reg.sets), len(reg.issuers))
	}
}

func TestJWKParse(t *testing.T) {
	k := testKeys()
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "x"},
		NotBefore: time.Now(), NotAfter: time.Now().Add(time.Hour)}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &k.ec.PublicKey, k.ec)
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		jwk  string
		want any // key type, nil for an error
	}{
		{jwkOf("a", k.rsa), &rsa.PublicKey{}},
		{jwkOf("a", k.ec), &ecdsa.PublicKey{}},
		{jwkOf("a", k.ed), ed25519.PublicKey{}},
		{`{"kty":"EC","kid":"c","x5c":["` + base64.StdEncoding.EncodeToString(der) + `"]}`, &ecdsa.PublicKey{}},
		{strings.Replace(jwkOf("a", k.rsa), `"e":"AQAB"`, `"e":"AQAB=="`, 1), &rsa.PublicKey{}}, // padding tolerated
		{strings.Replace(jwkOf("a", k.rsa), `"e":"AQAB"`, `"e":"Ag"`, 1), nil},                  // even exponent
		{`{"kty":"RSA","n":"AQAB","e":"AQAB"}`, nil},                                            // tiny modulus
		{`{"kty":"EC","crv":"P-256","x":"AAAA","y":"AAAA"}`, nil},                               // not on the curve
		{`{"kty":"EC","crv":"secp256k1","x":"AAAA","y":"AAAA"}`, nil},
		{`{"kty":"OKP","crv":"X25519","x":"AAAA"}`, nil},
		{`{"kty":"OKP","crv":"Ed25519","x":"AAAA"}`, nil},
		{`{"kty":"oct","k":"c2VjcmV0"}`, nil},
		{`{"kty":"RSA","x5c":["!!"]}`, nil},
	} {
		var j jwkJSON
		if err := json.Unmarshal([]byte(tc.jwk), &j); err != nil {
			t.Fatal(err)
		}
		key, err := j.parse()
		if tc.want == nil {
			if err == nil {
				t.Errorf("%s: no error", tc.jwk)
			}
			continue
		}
		if err != nil || fmt.Sprintf("%T", key.key) != fmt.Sprintf("%T", tc.want) {
			t.Errorf("%s: %T, %v", tc.jwk, key.key, err)
		}
	}
}

// Keys rotate: a token with a new kid makes the set be fetched again (at
// most once per rate-limit period), and the set is fetched every refresh
// interval.
func TestJWKSRefresh(t *testing.T) {
	k := testKeys()
	keys := newJSONServer(t, jwksOf(jwkOf("one", k.rsa)))
	reg := newTestRegistry(t, Options{JWKSRefreshRateLimit: 50 * time.Millisecond, JWKSRefreshInterval: time.Hour})
	f := createJWT(t, reg, JwtValidationKeysName, keys.URL)
	claims := jwt.MapClaims{"sub": "s"}
	pass := func(token string) bool {
		ctx := filtertest.NewContext(bearerRequest(token))
		f.Request(ctx)
		return !ctx.Served()
	}
	if !pass(sign(t, jwt.SigningMethodRS256, k.rsa, "one", claims)) {
		t.Fatal("first key rejected")
	}
	keys.set(jwksOf(jwkOf("one", k.rsa), jwkOf("two", k.rsa2)))
	time.Sleep(60 * time.Millisecond)
	if !pass(sign(t, jwt.SigningMethodRS256, k.rsa2, "two", claims)) {
		t.Fatal("rotated key rejected")
	}
	if keys.hits.Load() != 2 {
		t.Errorf("%d fetches, want 2", keys.hits.Load())
	}
	// within the rate limit, unknown kids cause no fetch
	for range 5 {
		pass(sign(t, jwt.SigningMethodRS256, k.rsa2, "three", claims))
	}
	if keys.hits.Load() != 2 {
		t.Errorf("%d fetches, want 2", keys.hits.Load())
	}

	// background refresh
	reg2 := newTestRegistry(t, Options{JWKSRefreshInterval: 20 * time.Millisecond})
	keys2 := newJSONServer(t, jwksOf(jwkOf("one", k.rsa)))
	f2 := createJWT(t, reg2, JwtValidationKeysName, keys2.URL)
	deadline := time.Now().Add(5 * time.Second)
	for keys2.hits.Load() < 3 && time.Now().Before(deadline) {
		time.Sleep(5 * time.Millisecond)
	}
	if keys2.hits.Load() < 3 {
		t.Fatalf("key set fetched %d times in 5 s with a 20 ms interval", keys2.hits.Load())
	}
	// a failing refresh keeps the keys
	keys2.set("")
	time.Sleep(60 * time.Millisecond)
	ctx := filtertest.NewContext(bearerRequest(sign(t, jwt.SigningMethodRS256, k.rsa, "one", claims)))
	f2.Request(ctx)
	if ctx.Served() {
		t.Error("keys dropped after a failed refresh")
	}
	// the last filter to close stops the refreshes
	f2.Close()
	f2.Close()
	time.Sleep(30 * time.Millisecond)
	n := keys2.hits.Load()
	time.Sleep(80 * time.Millisecond)
	if keys2.hits.Load() != n {
		t.Error("key set still fetched after its last filter closed")
	}
	reg2.mu.Lock()
	if len(reg2.sets) != 0 {
		t.Errorf("%d key sets left", len(reg2.sets))
	}
	reg2.mu.Unlock()
}

// An unknown kid waits for the fetch at most until the request ends.
func TestJWKSRefreshWaitEndsWithRequest(t *testing.T) {
	k := testKeys()
	keys := newJSONServer(t, jwksOf(jwkOf("one", k.rsa)))
	reg := newTestRegistry(t, Options{JWKSRefreshRateLimit: time.Millisecond})
	f := createJWT(t, reg, JwtValidationKeysName, keys.URL)
	keys.delay = 3 * time.Second
	time.Sleep(2 * time.Millisecond)
	r := bearerRequest(sign(t, jwt.SigningMethodRS256, k.rsa2, "two", jwt.MapClaims{"sub": "s"}))
	ctx, cancel := contextWithTimeout(r, 50*time.Millisecond)
	defer cancel()
	fc := filtertest.NewContext(ctx)
	start := time.Now()
	f.Request(fc)
	if !fc.Served() || time.Since(start) > time.Second {
		t.Errorf("served %v after %v", fc.Served(), time.Since(start))
	}
}

// Close of the registry stops everything, even with filters open.
func TestRegistryClose(t *testing.T) {
	keys := newJSONServer(t, jwksOf(jwkOf("one", testKeys().rsa)))
	reg := NewRegistry(Options{JWKSRefreshInterval: 10 * time.Millisecond})
	f := createJWT(t, reg, JwtValidationKeysName, keys.URL)
	reg.Close()
	reg.Close()
	f.Close()
	if _, err := filtertest.Spec(t, Specs(reg), JwtValidationKeysName).CreateFilter([]any{keys.URL}); err == nil {
		t.Error("created a filter with a closed registry")
	}
}
