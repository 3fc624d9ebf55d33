package cfhttp

import "strings"

// Instance-targeting headers (§11). gorouter validates them with regular
// expressions; these hand-written checks accept exactly the same strings
// without a regexp on the request path and return substrings of v, so they
// do not allocate.

// Header names as gorouter spells them; net/http canonicalises either way.
const (
	HeaderAppInstance     = "X-Cf-App-Instance"
	HeaderProcessInstance = "X-Cf-Process-Instance"
)

// ParseAppInstance splits an X-CF-App-Instance value "<app guid>:<index>".
// The guid must be lower-case hex in 8-4-4-4-12 form and the index one or
// more ASCII digits; anything else is malformed (ok false), including
// upper-case hex, surrounding spaces and a second colon.
func ParseAppInstance(v string) (guid, index string, ok bool) {
	guid, index, found := strings.Cut(v, ":")
	if !found || !isGUID(guid) || !isDigits(index) {
		return "", "", false
	}
	return guid, index, true
}

// ParseProcessInstance splits an X-CF-Process-Instance value
// "<process guid>" or "<process guid>:<index>"; index is "" when absent.
// A colon with nothing after it is malformed.
func ParseProcessInstance(v string) (guid, index string, ok bool) {
	guid, index, found := strings.Cut(v, ":")
	if !isGUID(guid) || found && !isDigits(index) {
		return "", "", false
	}
	return guid, index, true
}

// isGUID: ^[0-9a-f]{8}-([0-9a-f]{4}-){3}[0-9a-f]{12}$ (lower case only; the
// variant and version nibbles are not checked).
func isGUID(s string) bool {
	if len(s) != 36 || s[8] != '-' || s[13] != '-' || s[18] != '-' || s[23] != '-' {
		return false
	}
	for i := 0; i < len(s); i++ {
		if !lowerHex[s[i]] && i != 8 && i != 13 && i != 18 && i != 23 {
			return false
		}
	}
	return true
}

// lowerHex marks the bytes [0-9a-f].
var lowerHex = func() (t [256]bool) {
	for _, c := range "0123456789abcdef" {
		t[c] = true
	}
	return t
}()

// isDigits: one or more ASCII digits (the regexp's \d+, which in Go is ASCII).
func isDigits(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}
