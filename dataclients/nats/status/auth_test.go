package status

import (
	"testing"
)

// TestBasicAuth pins §12.5 and case 51 on /routes: the header syntax
// gorouter accepts, the 401 answer, and skiff's first-':' split.
func TestBasicAuth(t *testing.T) {
	for _, tc := range []struct {
		name       string
		user, pass string // configured
		auth       string // Authorization header; "" = none
		ok         bool
	}{
		{name: "correct", user: "router-status", pass: "s3cret", auth: basic("router-status:s3cret"), ok: true},
		{name: "no header", user: "router-status", pass: "s3cret", auth: "", ok: false},
		{name: "wrong password", user: "router-status", pass: "s3cret", auth: basic("router-status:nope"), ok: false},
		{name: "wrong user", user: "router-status", pass: "s3cret", auth: basic("admin:s3cret"), ok: false},
		{name: "password prefix", user: "u", pass: "s3cret", auth: basic("u:s3cre"), ok: false},
		{name: "scheme is case-sensitive", user: "u", pass: "p", auth: "basic " + basic("u:p")[6:], ok: false},
		{name: "two spaces", user: "u", pass: "p", auth: "Basic  " + basic("u:p")[6:], ok: false},
		// net/http trims the value, for gorouter too.
		{name: "trailing space", user: "u", pass: "p", auth: basic("u:p") + " ", ok: true},
		{name: "other scheme", user: "u", pass: "p", auth: "Bearer " + basic("u:p")[6:], ok: false},
		{name: "bad base64", user: "u", pass: "p", auth: "Basic dTpw!", ok: false},
		{name: "unpadded base64", user: "u", pass: "pp", auth: "Basic dTpwcA", ok: false},
		{name: "no colon", user: "u", pass: "p", auth: basic("up"), ok: false},
		{name: "DEVIATION colon in password", user: "u", pass: "p:q", auth: basic("u:p:q"), ok: true},
		{name: "colon in password wrong", user: "u", pass: "p", auth: basic("u:p:q"), ok: false},
		{name: "empty credentials need a header", user: "", pass: "", auth: "", ok: false},
		{name: "empty credentials with ':'", user: "", pass: "", auth: basic(":"), ok: true},
		{name: "empty credentials with empty header", user: "", pass: "", auth: "Basic ", ok: false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := serve(t, NewHandler(Config{User: tc.user, Password: tc.pass}, fakeRoutes{}, fakeHealth(true)))
			r := get(t, "GET", s.URL+"/routes", tc.auth)
			if tc.ok {
				if r.status != 200 || r.header.Get("Content-Type") != "application/json" {
					t.Fatalf("got %d %s, want 200 application/json", r.status, r.header.Get("Content-Type"))
				}
				return
			}
			if r.status != 401 || r.body != "401 Unauthorized\n" || r.header.Get("WWW-Authenticate") != "Basic" {
				t.Fatalf("got %d %q WWW-Authenticate=%q, want 401 %q Basic",
					r.status, r.body, r.header.Get("WWW-Authenticate"), "401 Unauthorized\n")
			}
		})
	}
}
