package rawquery

import (
	"net/url"
	"strings"
)

// Next returns the next value of key in *raw, decoded, and advances *raw
// past it; false when there is none left. As in url.ParseQuery, empty
// pairs, pairs holding ';' and pairs with a bad escape are skipped.
// Decoding, and its allocation, happens only for text with escapes.
func Next(raw *string, key string) (string, bool) {
	q := *raw
	for q != "" {
		var pair string
		pair, q, _ = strings.Cut(q, "&")
		if pair == "" || strings.IndexByte(pair, ';') >= 0 {
			continue
		}
		k, v, _ := strings.Cut(pair, "=")
		k, ok := unescape(k)
		if !ok || k != key {
			continue
		}
		if v, ok = unescape(v); ok {
			*raw = q
			return v, true
		}
	}
	*raw = ""
	return "", false
}

func unescape(s string) (string, bool) {
	if strings.IndexByte(s, '%') < 0 && strings.IndexByte(s, '+') < 0 {
		return s, true
	}
	u, err := url.QueryUnescape(s)
	return u, err == nil
}
