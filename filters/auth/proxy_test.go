package auth_test

import (
	"crypto/rand"
	"crypto/rsa"
	"encoding/base64"
	"fmt"
	"io"
	"math/big"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/skiff-proxy/skiff/filters/auth"
	"github.com/skiff-proxy/skiff/filters/status"
	jwtpred "github.com/skiff-proxy/skiff/predicates/jwt"
	"github.com/skiff-proxy/skiff/proxy/proxytest"
)

// TestThroughProxy runs the auth filters and the JWT predicates inside
// the real proxy, with a local JWKS server, a local tokeninfo server and a
// backend that echoes what it was sent.
func TestThroughProxy(t *testing.T) {
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	enc := base64.RawURLEncoding.EncodeToString
	jwks := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintf(w, `{"keys":[{"kty":"RSA","kid":"k1","alg":"RS256","n":%q,"e":%q}]}`,
			enc(key.N.Bytes()), enc(big.NewInt(int64(key.E)).Bytes()))
	}))
	defer jwks.Close()
	tokeninfo := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.Header.Get("Authorization") {
		case "Bearer reader":
			io.WriteString(w, `{"uid":"alice","scope":["read"],"expires_in":3600}`)
		case "Bearer writer":
			io.WriteString(w, `{"uid":"bob","scope":["write"],"expires_in":3600}`)
		default:
			w.WriteHeader(http.StatusUnauthorized)
		}
	}))
	defer tokeninfo.Close()
	be := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintf(w, "email=%s claims=%s tokeninfo=%s", r.Header.Get("X-Email"), r.Header.Get("X-Claims"), r.Header.Get("X-Tokeninfo-Forward"))
	}))
	defer be.Close()
	htpasswd := filepath.Join(t.TempDir(), "htpasswd")
	if err := os.WriteFile(htpasswd, []byte("myName:$apr1$8G2wkTu0$I4Mjw4DYGOfB71lwNRX531\n"), 0o600); err != nil {
		t.Fatal(err)
	}

	reg := auth.NewRegistry(auth.Options{TokeninfoURL: tokeninfo.URL, TokeninfoCacheSize: 10})
	defer reg.Close()
	routes := strings.NewReplacer("BE", be.URL, "HTPASSWD", htpasswd, "JWKS", jwks.URL).Replace(`
		basic: Path("/basic") -> basicAuth("HTPASSWD", "My Website") -> "BE";
		jwt: Path("/jwt") -> jwtValidationKeys("JWKS") -> forwardTokenField("X-Email", "claims.email") -> forwardToken("X-Claims", "email") -> "BE";
		ti: Path("/ti") -> oauthTokeninfoAnyScope("read") -> forwardToken("X-Tokeninfo-Forward", "uid") -> "BE";
		google: Path("/pred") && JWTPayloadAnyKV("iss", "https://accounts.google.com") -> inlineContent("google") -> <shunt>;
		other: Path("/pred") -> inlineContent("other") -> <shunt>;
	`)
	srv := proxytest.Serve(t, routes, proxytest.Options{
		Filters:    append(auth.Specs(reg), status.Specs()...),
		Predicates: jwtpred.Specs(),
	})
	client := srv.Client

	sign := func(claims jwt.MapClaims) string {
		tok := jwt.NewWithClaims(jwt.SigningMethodRS256, claims)
		tok.Header["kid"] = "k1"
		s, err := tok.SignedString(key)
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	exp := time.Now().Add(time.Hour).Unix()
	basic := func(user, password string) string {
		return "Basic " + base64.StdEncoding.EncodeToString([]byte(user+":"+password))
	}
	for _, tc := range []struct {
		name, path, auth string
		status           int
		body             string
		header           [2]string
	}{
		{"basic ok", "/basic", basic("myName", "myPassword"), 200, "email= claims= tokeninfo=", [2]string{}},
		{"basic wrong", "/basic", basic("myName", "wrong"), 401, "", [2]string{"Www-Authenticate", `Basic realm="My Website"`}},
		{"basic none", "/basic", "", 401, "", [2]string{"Www-Authenticate", `Basic realm="My Website"`}},
		{"jwt ok", "/jwt", "Bearer " + sign(jwt.MapClaims{"sub": "s", "email": "a@example.org", "exp": exp}), 200,
			`email=a@example.org claims={"email":"a@example.org"} tokeninfo=`, [2]string{}},
		{"jwt expired", "/jwt", "Bearer " + sign(jwt.MapClaims{"sub": "s", "exp": exp - 7200}), 401, "", [2]string{}},
		{"jwt none", "/jwt", "", 401, "", [2]string{}},
		{"tokeninfo ok", "/ti", "Bearer reader", 200, `email= claims= tokeninfo={"uid":"alice"}`, [2]string{}},
		{"tokeninfo scope", "/ti", "Bearer writer", 403, "", [2]string{}},
		{"tokeninfo unknown", "/ti", "Bearer nobody", 401, "", [2]string{}},
		{"predicate match", "/pred", "Bearer " + sign(jwt.MapClaims{"iss": "https://accounts.google.com"}), 200, "google", [2]string{}},
		{"predicate other issuer", "/pred", "Bearer " + sign(jwt.MapClaims{"iss": "https://example.org"}), 200, "other", [2]string{}},
		{"predicate no token", "/pred", "", 200, "other", [2]string{}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			req, _ := http.NewRequest("GET", srv.URL+tc.path, nil)
			if tc.auth != "" {
				req.Header.Set("Authorization", tc.auth)
			}
			rsp, err := client.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			b, _ := io.ReadAll(rsp.Body)
			rsp.Body.Close()
			if rsp.StatusCode != tc.status || string(b) != tc.body {
				t.Errorf("got %d %q, want %d %q", rsp.StatusCode, b, tc.status, tc.body)
			}
			if tc.header[0] != "" && rsp.Header.Get(tc.header[0]) != tc.header[1] {
				t.Errorf("%s: %q, want %q", tc.header[0], rsp.Header.Get(tc.header[0]), tc.header[1])
			}
		})
	}
}
