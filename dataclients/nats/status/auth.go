package status

import (
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"net/http"
	"strings"
)

// basicAuth checks the Authorization header against the configured
// credentials the way gorouter parses it (§12.5): exactly "Basic", one
// space, standard padded base64. Empty configured credentials are not
// "no auth": the header must still encode ":".
type basicAuth struct {
	// Digests, not the strings, so that the comparison takes the same
	// time whatever the length of the guess (subtle.ConstantTimeCompare
	// returns early on a length mismatch).
	user, pass [sha256.Size]byte
}

func newBasicAuth(user, pass string) basicAuth {
	return basicAuth{user: sha256.Sum256([]byte(user)), pass: sha256.Sum256([]byte(pass))}
}

func (a basicAuth) allowed(r *http.Request) bool {
	scheme, encoded, ok := strings.Cut(r.Header.Get("Authorization"), " ")
	// gorouter splits the header on every space and wants two parts, so a
	// second space anywhere fails.
	if !ok || scheme != "Basic" || strings.Contains(encoded, " ") {
		return false
	}
	decoded, err := base64.StdEncoding.DecodeString(encoded)
	if err != nil {
		return false
	}
	// DEVIATION: the first ':' separates user from password, so a password
	// may contain ':'.
	user, pass, ok := strings.Cut(string(decoded), ":")
	if !ok {
		return false
	}
	u := sha256.Sum256([]byte(user))
	p := sha256.Sum256([]byte(pass))
	// Both comparisons always run: which one failed must not show in
	// the timing either.
	return subtle.ConstantTimeCompare(u[:], a.user[:])&subtle.ConstantTimeCompare(p[:], a.pass[:]) == 1
}

// unauthorized is gorouter's 401 answer.
func unauthorized(w http.ResponseWriter) {
	h := w.Header()
	h.Set("WWW-Authenticate", "Basic")
	h.Set("Content-Type", "text/plain; charset=utf-8")
	w.WriteHeader(http.StatusUnauthorized)
	_, _ = w.Write([]byte("401 Unauthorized\n"))
}
