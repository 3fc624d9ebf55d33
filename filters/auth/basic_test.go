package auth

import (
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"golang.org/x/crypto/bcrypt"

	"github.com/skiff-proxy/skiff/filters"
	"github.com/skiff-proxy/skiff/filters/filtertest"
)

func TestMD5Crypt(t *testing.T) {
	// expected values made with `openssl passwd -apr1|-1 -salt S PASSWORD`
	for _, tc := range []struct{ password, salt, magic, want string }{
		{"myPassword", "8G2wkTu0", "$apr1$", "$apr1$8G2wkTu0$I4Mjw4DYGOfB71lwNRX531"},
		{"hello2", "a0j62R97", "$apr1$", "$apr1$a0j62R97$mYqFkloXH0/UOaUnAiV2b0"},
		{"a-very-long-password-over-sixteen-bytes", "x", "$apr1$", "$apr1$x$gESKoFalzSvjg/E3LkGm20"},
		{"hello", "abcdefgh", "$1$", "$1$abcdefgh$rwnEbRiN0agqVgZBovWNQ/"},
		{"", "ab", "$1$", "$1$ab$rn6aQS/o7141mj179E/zA."},
	} {
		if got := string(md5Crypt([]byte(tc.password), []byte(tc.salt), tc.magic)); got != tc.want {
			t.Errorf("md5Crypt(%q, %q, %q) = %q, want %q", tc.password, tc.salt, tc.magic, got, tc.want)
		}
	}
}

func bcryptHash(t *testing.T, password, prefix string) string {
	t.Helper()
	h, err := bcrypt.GenerateFromPassword([]byte(password), bcrypt.MinCost)
	if err != nil {
		t.Fatal(err)
	}
	return prefix + string(h[4:])
}

func TestCheckPassword(t *testing.T) {
	for _, tc := range []struct {
		password, hash string
		want           bool
	}{
		{"hello", "{SHA}qvTGHdzF6KLavt4PO0gs2a6pQ00=", true},
		{"hellO", "{SHA}qvTGHdzF6KLavt4PO0gs2a6pQ00=", false},
		{"myPassword", "$apr1$8G2wkTu0$I4Mjw4DYGOfB71lwNRX531", true},
		{"wrongPassword", "$apr1$8G2wkTu0$I4Mjw4DYGOfB71lwNRX531", false},
		{"hello", "$1$abcdefgh$rwnEbRiN0agqVgZBovWNQ/", true},
		{"hello3", bcryptHash(t, "hello3", "$2y$"), true},
		{"hello3", bcryptHash(t, "hello3", "$2a$"), true},
		{"hello3", bcryptHash(t, "hello3", "$2b$"), true},
		{"hello3", bcryptHash(t, "hello3", "$2x$"), true},
		{"hello4", bcryptHash(t, "hello3", "$2y$"), false},
		// plain text and DES crypt are not accepted, as in skipper
		{"hello", "hello", false},
		{"hello", "abJnggxhB/yWI", false},
		{"myPassword", "$apr18G2wkTu0$I4Mjw4DYGOfB71lwNRX531", false},
		{"myPassword", "$apr1$8G2wkTu0", false},
		{"", "", false},
		{"x", "$2y$", false},
		{"x", "{SHA}", false},
	} {
		if got := checkPassword(tc.password, tc.hash); got != tc.want {
			t.Errorf("checkPassword(%q, %q) = %v, want %v", tc.password, tc.hash, got, tc.want)
		}
	}
}

func TestParseHtpasswd(t *testing.T) {
	got := parseHtpasswd([]byte("# comment\n\nalice:$apr1$x$y\r\nbob: {SHA}abc:extra\nnocolon\n:empty-user\ncarol:\n"))
	want := map[string]string{"alice": "$apr1$x$y", "bob": "{SHA}abc", "": "empty-user", "carol": ""}
	if len(got) != len(want) {
		t.Fatalf("got %v, want %v", got, want)
	}
	for k, v := range want {
		if got[k] != v {
			t.Errorf("%q: %q, want %q", k, got[k], v)
		}
	}
}

func writeHtpasswd(t *testing.T, content string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "htpasswd")
	if err := os.WriteFile(p, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

func basicSpecOf(t *testing.T) filters.Spec {
	return filtertest.Spec(t, Specs(nil), BasicAuthName)
}

func TestBasicAuthArgs(t *testing.T) {
	file := writeHtpasswd(t, "myName:$apr1$8G2wkTu0$I4Mjw4DYGOfB71lwNRX531\n")
	s := basicSpecOf(t)
	for _, tc := range []struct {
		args []any
		bad  string
	}{
		{[]any{file}, ""},
		{[]any{file, "My Website"}, ""},
		{[]any{file, ""}, ""},
		{nil, "want 1 to 2 arguments, got 0"},
		{[]any{file, "r", "x"}, "want 1 to 2 arguments, got 3"},
		{[]any{1.0}, "argument 1 (htpasswd file) must be a string"},
		{[]any{""}, "argument 1 (htpasswd file) must not be empty"},
		{[]any{file, 1.0}, "argument 2 (realm) must be a string"},
		{[]any{file, "a\nb"}, "argument 2 (realm)"},
		{[]any{filepath.Join(t.TempDir(), "missing")}, "no such file"},
		{[]any{t.TempDir()}, "is a directory"},
	} {
		filtertest.CheckCreate(t, s, tc.args, tc.bad)
	}
}

func basicRequest(user, password string) *http.Request {
	r := httptest.NewRequest("GET", "/", nil)
	if user != "" || password != "" {
		r.SetBasicAuth(user, password)
	}
	return r
}

func TestBasicAuth(t *testing.T) {
	file := writeHtpasswd(t, strings.Join([]string{
		"myName:$apr1$8G2wkTu0$I4Mjw4DYGOfB71lwNRX531",
		"sha:{SHA}qvTGHdzF6KLavt4PO0gs2a6pQ00=",
		"bc:" + bcryptHash(t, "hello3", "$2y$"),
		"md5:$1$abcdefgh$rwnEbRiN0agqVgZBovWNQ/",
		"plain:hello",
	}, "\n"))
	for _, tc := range []struct {
		name      string
		args      []any
		req       *http.Request
		ok        bool
		challenge string
	}{
		{"apr1", []any{file}, basicRequest("myName", "myPassword"), true, ""},
		{"sha", []any{file}, basicRequest("sha", "hello"), true, ""},
		{"bcrypt", []any{file}, basicRequest("bc", "hello3"), true, ""},
		{"md5", []any{file}, basicRequest("md5", "hello"), true, ""},
		{"wrong password", []any{file}, basicRequest("myName", "wrongPassword"), false, `Basic realm="Basic Realm"`},
		{"unknown user", []any{file}, basicRequest("nobody", "myPassword"), false, `Basic realm="Basic Realm"`},
		{"plain text hash", []any{file}, basicRequest("plain", "hello"), false, `Basic realm="Basic Realm"`},
		{"no credentials", []any{file}, basicRequest("", ""), false, `Basic realm="Basic Realm"`},
		{"custom realm", []any{file, "My Website"}, basicRequest("myName", "x"), false, `Basic realm="My Website"`},
		{"realm with quotes", []any{file, `say "hi"`}, basicRequest("", ""), false, `Basic realm="say \"hi\""`},
		{"bearer instead", []any{file}, func() *http.Request {
			r := httptest.NewRequest("GET", "/", nil)
			r.Header.Set("Authorization", "Bearer abc")
			return r
		}(), false, `Basic realm="Basic Realm"`},
		{"not base64", []any{file}, func() *http.Request {
			r := httptest.NewRequest("GET", "/", nil)
			r.Header.Set("Authorization", "Basic !@#")
			return r
		}(), false, `Basic realm="Basic Realm"`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := filtertest.Create(t, basicSpecOf(t), tc.args...)
			ctx := filtertest.NewContext(tc.req)
			f.Request(ctx)
			if tc.ok {
				if ctx.Served() {
					t.Fatalf("served %d", ctx.FResponse.StatusCode)
				}
				user, _, _ := tc.req.BasicAuth()
				if got := ctx.FStateBag[filters.AuthUser]; got != user {
					t.Errorf("auth user %v, want %q", got, user)
				}
				return
			}
			if !ctx.Served() || ctx.FResponse.StatusCode != 401 {
				t.Fatalf("not answered 401: %+v", ctx.FResponse)
			}
			if got := ctx.FResponse.Header.Values("WWW-Authenticate"); len(got) != 1 || got[0] != tc.challenge {
				t.Errorf("WWW-Authenticate %q, want %q", got, tc.challenge)
			}
			if b := filtertest.Body(t, ctx.FResponse); b != "" {
				t.Errorf("body %q", b)
			}
			f.Response(ctx)
			ctx.End()
		})
	}
}

// The file is read again when it changes; when it goes away the last
// content stays in use.
func TestBasicAuthReload(t *testing.T) {
	file := writeHtpasswd(t, "sha:{SHA}qvTGHdzF6KLavt4PO0gs2a6pQ00=\n")
	f := filtertest.Create(t, basicSpecOf(t), file).(*basicFilter)
	now := time.Now()
	f.file.now = func() time.Time { return now }
	try := func(user, password string) (served bool, log []string) {
		ctx := filtertest.NewContext(basicRequest(user, password))
		f.Request(ctx)
		return ctx.Served(), ctx.Log
	}
	if served, _ := try("sha", "hello"); served {
		t.Fatal("rejected before the change")
	}
	later := time.Now().Add(time.Minute)
	if err := os.WriteFile(file, []byte("myName:$apr1$8G2wkTu0$I4Mjw4DYGOfB71lwNRX531\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.Chtimes(file, later, later); err != nil {
		t.Fatal(err)
	}
	if served, _ := try("myName", "myPassword"); !served {
		t.Fatal("file read again before a second passed")
	}
	now = now.Add(2 * time.Second)
	if served, _ := try("myName", "myPassword"); served {
		t.Fatal("new user rejected after the change")
	}
	if served, _ := try("sha", "hello"); !served {
		t.Fatal("removed user still accepted")
	}
	if err := os.Remove(file); err != nil {
		t.Fatal(err)
	}
	now = now.Add(2 * time.Second)
	served, log := try("myName", "myPassword")
	if served {
		t.Fatal("last content dropped when the file went away")
	}
	if len(log) != 1 || !strings.Contains(log[0], "no such file") {
		t.Errorf("log %q", log)
	}
}
