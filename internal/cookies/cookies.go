package cookies

import (
	"net/http"
	"net/textproto"
	"strings"
)

// Value returns the value of the first request cookie called name in h,
// read as net/http's Request.Cookie reads it: pairs and names trimmed,
// values not; surrounding double quotes removed; a pair with an invalid
// value skipped; and a bare name ("Cookie: e") a cookie with an empty
// value. It does not allocate.
func Value(h http.Header, name string) (string, bool) {
	for _, line := range h["Cookie"] {
		for line != "" {
			var part string
			part, line, _ = strings.Cut(line, ";")
			n, v, _ := strings.Cut(textproto.TrimString(part), "=")
			if textproto.TrimString(n) != name {
				continue
			}
			if len(v) > 1 && v[0] == '"' && v[len(v)-1] == '"' {
				v = v[1 : len(v)-1]
			}
			if validValue(v) {
				return v, true
			}
		}
	}
	return "", false
}

// validValue: the bytes RFC 6265 §4.1.1 allows in a cookie value, with
// net/http's leniency for spaces and commas.
func validValue(v string) bool {
	for i := 0; i < len(v); i++ {
		if b := v[i]; b < 0x20 || b >= 0x7f || b == '"' || b == ';' || b == '\\' {
			return false
		}
	}
	return true
}
