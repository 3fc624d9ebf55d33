package e2e

import (
	"crypto/rand"
	"crypto/rsa"
	"encoding/base64"
	"fmt"
	"io"
	"math/big"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/skiff-proxy/skiff"
	"github.com/skiff-proxy/skiff/filters/auth"
	jwtpred "github.com/skiff-proxy/skiff/predicates/jwt"
)

// authKeys is a JWKS server whose key set a test can rotate; it counts
// its requests.
type authKeys struct {
	*httptest.Server
	set  atomic.Pointer[string]
	hits atomic.Int64
}

func authNewKeys(t *testing.T) *authKeys {
	t.Helper()
	k := &authKeys{}
	k.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		k.hits.Add(1)
		io.WriteString(w, *k.set.Load())
	}))
	t.Cleanup(k.Close)
	return k
}

// publish makes the server hand out the public keys, by kid.
func (k *authKeys) publish(keys map[string]*rsa.PrivateKey) {
	enc := base64.RawURLEncoding.EncodeToString
	var jwks []string
	for kid, key := range keys {
		jwks = append(jwks, fmt.Sprintf(`{"kty":"RSA","kid":%q,"use":"sig","n":%q,"e":%q}`,
			kid, enc(key.N.Bytes()), enc(big.NewInt(int64(key.E)).Bytes())))
	}
	s := `{"keys":[` + strings.Join(jwks, ",") + `]}`
	k.set.Store(&s)
}

func authKey(t *testing.T) *rsa.PrivateKey {
	t.Helper()
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	return key
}

func authSign(t *testing.T, key *rsa.PrivateKey, kid string, claims jwt.MapClaims) string {
	t.Helper()
	tok := jwt.NewWithClaims(jwt.SigningMethodRS256, claims)
	tok.Header["kid"] = kid
	s, err := tok.SignedString(key)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// authStart runs skiff with the auth filters and the JWT predicates of
// reg added as custom specs.
func authStart(t *testing.T, routes string, reg *auth.Registry) *instance {
	t.Helper()
	return start(t, routes, skiff.Options{CustomFilters: auth.Specs(reg), CustomPredicates: jwtpred.Specs()})
}

// A skipper route file with jwtValidation (issuer discovery), the JWT
// predicates and forwardTokenField works; the key set is fetched once for
// all routes and table generations, follows a key rotation, and stops
// being refreshed once no route uses it.
func TestAuthJWT(t *testing.T) {
	key1, key2 := authKey(t), authKey(t)
	keys := authNewKeys(t)
	keys.publish(map[string]*rsa.PrivateKey{"one": key1})
	var issuer *httptest.Server
	issuer = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/.well-known/openid-configuration" {
			http.NotFound(w, r)
			return
		}
		fmt.Fprintf(w, `{"issuer":%q,"jwks_uri":%q}`, issuer.URL, keys.URL)
	}))
	defer issuer.Close()
	be := newBackend(t, "api", func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintf(w, "sub=%s email=%s", r.Header.Get("X-Sub"), r.Header.Get("X-Email"))
	})
	reg := auth.NewRegistry(auth.Options{JWKSRefreshInterval: 50 * time.Millisecond, JWKSRefreshRateLimit: time.Millisecond})
	defer reg.Close()

	jwtRoutes := routes(
		`staff: Path("/api") && JWTPayloadAllKVRegexp("email", "@example[.]org$") -> jwtValidation("`+issuer.URL+`")`+
			` -> forwardTokenField("X-Sub", "subject") -> forwardTokenField("X-Email", "claims.email") -> setResponseHeader("X-Route", "staff") -> "`+be.URL+`";`,
		`api: Path("/api") -> jwtValidation("`+issuer.URL+`") -> forwardTokenField("X-Sub", "claims.sub") -> "`+be.URL+`";`,
		`other: Path("/other") -> inlineContent("other") -> <shunt>;`,
	)
	in := authStart(t, jwtRoutes, reg)
	exp := time.Now().Add(time.Hour).Unix()
	staff := authSign(t, key1, "one", jwt.MapClaims{"sub": "u1", "email": "u1@example.org", "exp": exp})
	guest := authSign(t, key1, "one", jwt.MapClaims{"sub": "g1", "email": "g1@example.com", "exp": exp})

	r := in.get(t, "/api", "Authorization", "Bearer "+staff)
	if r.status != 200 || r.body != "sub=u1 email=u1@example.org" || r.header.Get("X-Route") != "staff" {
		t.Errorf("staff: %d %q %q", r.status, r.body, r.header.Get("X-Route"))
	}
	if r := in.get(t, "/api", "Authorization", "Bearer "+guest); r.status != 200 || r.body != "sub=g1 email=" {
		t.Errorf("guest: %d %q", r.status, r.body)
	}
	forged := authSign(t, key2, "one", jwt.MapClaims{"sub": "u1", "email": "u1@example.org", "exp": exp})
	if r := in.get(t, "/api", "Authorization", "Bearer "+forged); r.status != 401 || r.body != "" {
		t.Errorf("forged: %d %q", r.status, r.body)
	}
	if r := in.get(t, "/api"); r.status != 401 {
		t.Errorf("no token: %d", r.status)
	}

	// rotation: the new kid is fetched on first sight
	keys.publish(map[string]*rsa.PrivateKey{"one": key1, "two": key2})
	rotated := authSign(t, key2, "two", jwt.MapClaims{"sub": "u2", "exp": exp})
	if r := in.get(t, "/api", "Authorization", "Bearer "+rotated); r.status != 200 || r.body != "sub=u2 email=" {
		t.Errorf("rotated: %d %q", r.status, r.body)
	}

	// a new table generation keeps the key set: no fetch beyond the refreshes
	writeFile(t, in.routesFile, jwtRoutes+routes(`more: Path("/more") -> inlineContent("more") -> <shunt>;`))
	waitFor(t, func() bool { return in.get(t, "/more").status == 200 })
	if r := in.get(t, "/api", "Authorization", "Bearer "+rotated); r.status != 200 {
		t.Errorf("after reload: %d", r.status)
	}

	// the refreshes run while routes use the key set, and stop when none does
	n := keys.hits.Load()
	waitFor(t, func() bool { return keys.hits.Load() >= n+2 })
	writeFile(t, in.routesFile, routes(`other: Path("/other") -> inlineContent("other") -> <shunt>;`))
	waitFor(t, func() bool { return in.get(t, "/api").status == 404 })
	in.get(t, "/other") // the old table is released after its last request
	time.Sleep(100 * time.Millisecond)
	n = keys.hits.Load()
	time.Sleep(200 * time.Millisecond)
	if got := keys.hits.Load(); got != n {
		t.Errorf("key set fetched %d more times after its routes went", got-n)
	}
}

// basicAuth and the tokeninfo filters in a skipper route file, with
// forwardToken, against a local tokeninfo server with a cache.
func TestAuthBasicAndTokeninfo(t *testing.T) {
	var tokeninfoHits atomic.Int64
	tokeninfo := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		tokeninfoHits.Add(1)
		switch r.Header.Get("Authorization") {
		case "Bearer reader":
			io.WriteString(w, `{"uid":"alice","scope":["uid","read"],"realm":"/employees","expires_in":3600}`)
		case "Bearer service":
			io.WriteString(w, `{"uid":"svc","scope":["uid"],"realm":"/services","expires_in":3600}`)
		default:
			w.WriteHeader(http.StatusUnauthorized)
		}
	}))
	defer tokeninfo.Close()
	be := newBackend(t, "api", func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintf(w, "tokeninfo=%s", r.Header.Get("X-Tokeninfo-Forward"))
	})
	htpasswd := filepath.Join(t.TempDir(), "htpasswd")
	writeFile(t, htpasswd, "myName:$apr1$8G2wkTu0$I4Mjw4DYGOfB71lwNRX531\n")
	reg := auth.NewRegistry(auth.Options{TokeninfoURL: tokeninfo.URL, TokeninfoCacheSize: 100})
	defer reg.Close()
	in := authStart(t, routes(
		`basic: Path("/basic") -> basicAuth("`+htpasswd+`") -> inlineContent("welcome") -> <shunt>;`,
		`read: Path("/read") -> oauthTokeninfoAnyScope("read", "write") -> forwardToken("X-Tokeninfo-Forward", "uid", "realm") -> "`+be.URL+`";`,
		`employees: Path("/employees") -> oauthTokeninfoAllKV("realm", "/employees") -> "`+be.URL+`";`,
	), reg)

	basic := func(user, password string) string {
		return "Basic " + base64.StdEncoding.EncodeToString([]byte(user+":"+password))
	}
	for _, tc := range []struct {
		path, auth string
		status     int
		body       string
	}{
		{"/basic", basic("myName", "myPassword"), 200, "welcome"},
		{"/basic", basic("myName", "nope"), 401, ""},
		{"/read", "Bearer reader", 200, `tokeninfo={"realm":"/employees","uid":"alice"}`},
		{"/read", "Bearer reader", 200, `tokeninfo={"realm":"/employees","uid":"alice"}`},
		{"/read", "Bearer service", 403, ""},
		{"/read", "Bearer unknown", 401, ""},
		{"/read", "", 401, ""},
		{"/employees", "Bearer reader", 200, "tokeninfo="},
		{"/employees", "Bearer service", 403, ""},
	} {
		var hdr []string
		if tc.auth != "" {
			hdr = []string{"Authorization", tc.auth}
		}
		r := in.get(t, tc.path, hdr...)
		if r.status != tc.status || r.body != tc.body {
			t.Errorf("%s %s: %d %q, want %d %q", tc.path, tc.auth, r.status, r.body, tc.status, tc.body)
		}
		if tc.path == "/basic" && tc.status == 401 && r.header.Get("WWW-Authenticate") != `Basic realm="Basic Realm"` {
			t.Errorf("WWW-Authenticate %q", r.header.Get("WWW-Authenticate"))
		}
	}
	// one request each for reader, service and unknown: answers are cached
	if n := tokeninfoHits.Load(); n != 3 {
		t.Errorf("%d tokeninfo requests, want 3", n)
	}
	// The access log writes its lines in batches, within 50 ms.
	waitFor(t, func() bool { return strings.Contains(in.access.String(), "alice") })
}
