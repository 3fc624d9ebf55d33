package cfhttp

import (
	"net/http"
	"net/textproto"
	"strings"

	"github.com/skiff-proxy/skiff/internal/cookies"
)

// VcapCookie names the cookie in which the router remembers which app
// instance (private_instance_id) a session is bound to (§7.5).
const VcapCookie = "__VCAP_ID__"

// RequestedInstance returns the instance a sticky session asks for: the
// __VCAP_ID__ value, but only when the request also carries one of the
// app's session cookies (stickyNames, default JSESSIONID). A __VCAP_ID__
// left over after the app's session ended is ignored. Cookies are read as
// net/http's Request.Cookie reads them, without allocating.
func RequestedInstance(req *http.Request, stickyNames []string) (instanceID string, ok bool) {
	if !hasStickyCookie(req, stickyNames) {
		return "", false
	}
	id, ok := cookies.Value(req.Header, VcapCookie)
	if !ok || id == "" {
		return "", false
	}
	return id, true
}

func hasStickyCookie(req *http.Request, stickyNames []string) bool {
	if req == nil {
		return false
	}
	for _, name := range stickyNames {
		if _, ok := cookies.Value(req.Header, name); ok {
			return true
		}
	}
	return false
}

// StickyCookie returns the Set-Cookie value binding the client to
// instanceID, the instance that served resp, or ok false when none is due.
// One is due when the app starts or renews a session (resp sets a sticky
// cookie) or when the request asked for another instance (it was gone or
// full), so that the session follows the instance that now has it. The app
// keeps control: a response setting __VCAP_ID__ itself gets nothing added.
//
// The cookie is HttpOnly with Path contextPath (the pool's, in its
// registered case; "/" when empty) and takes Secure, SameSite, Expires and
// Partitioned from the app's sticky cookie so that both live and die
// together; Max-Age only when negative, i.e. when the app deletes its
// session. secureCookies (router config) forces Secure.
func StickyCookie(resp *http.Response, req *http.Request, instanceID, contextPath string, stickyNames []string, secureCookies bool) (cookie string, ok bool) {
	if instanceID == "" || resp == nil {
		return "", false
	}
	app, appSets := responseStickyCookie(resp.Header, stickyNames)
	if respSetsCookie(resp.Header, VcapCookie) {
		return "", false
	}
	due := appSets
	if !due {
		requested, asked := RequestedInstance(req, stickyNames)
		due = asked && requested != instanceID
	}
	if !due {
		return "", false
	}
	if contextPath == "" {
		contextPath = "/"
	}
	c := http.Cookie{
		Name:     VcapCookie,
		Value:    instanceID,
		Path:     contextPath,
		HttpOnly: true,
		Secure:   secureCookies,
	}
	if app != nil {
		c.Secure = c.Secure || app.Secure
		c.SameSite = app.SameSite
		c.Expires = app.Expires
		c.Partitioned = app.Partitioned
		if app.MaxAge < 0 {
			c.MaxAge = app.MaxAge
		}
	}
	// http.Cookie.String is the serialisation gorouter uses too, so the
	// attribute order and date format match byte for byte.
	s := c.String()
	return s, s != ""
}

// responseStickyCookie returns the first valid Set-Cookie of resp whose name
// is one of stickyNames. Only lines with a matching name are parsed in full.
func responseStickyCookie(h http.Header, stickyNames []string) (*http.Cookie, bool) {
	for _, line := range h["Set-Cookie"] {
		name := setCookieName(line)
		for _, sticky := range stickyNames {
			if name != sticky {
				continue
			}
			if c, err := http.ParseSetCookie(line); err == nil {
				return c, true
			}
		}
	}
	return nil, false
}

// respSetsCookie reports whether a valid Set-Cookie line sets name.
func respSetsCookie(h http.Header, name string) bool {
	for _, line := range h["Set-Cookie"] {
		if setCookieName(line) != name {
			continue
		}
		if _, err := http.ParseSetCookie(line); err == nil {
			return true
		}
	}
	return false
}

// setCookieName is the cookie name of a Set-Cookie line, as ParseSetCookie
// would read it, for a cheap first look.
func setCookieName(line string) string {
	pair, _, _ := strings.Cut(line, ";")
	name, _, _ := strings.Cut(pair, "=")
	return textproto.TrimString(name)
}
