package specargs

import "golang.org/x/net/http/httpguts"

// ValidHeaderName reports whether s is an RFC 9110 token, the only form a
// header field name may take.
func ValidHeaderName(s string) bool { return httpguts.ValidHeaderFieldName(s) }

// ValidHeaderValue reports whether s has no control characters other than
// horizontal tab, so it cannot split or corrupt a header block.
func ValidHeaderValue(s string) bool {
	for i := 0; i < len(s); i++ {
		if c := s[i]; (c < ' ' && c != '\t') || c == 0x7f {
			return false
		}
	}
	return true
}
