package accesslog

import (
	"net/url"
	"strconv"
	"strings"

	"github.com/cespare/xxhash/v2"
)

// MaskedQueryParamsKey is the key of the access log's additional fields
// (the map under filters.AccessLogAdditional) under which
// the maskAccessLogQuery filter leaves the names of the query parameters to mask, a
// map[string]struct{}: skipper's key and type.
const MaskedQueryParamsKey = "maskedQueryParams"

// MaskedQueryParams returns the set of parameter names maskAccessLogQuery
// filters asked to mask, from the access log's additional fields; nil
// when there is none. The access log calls it with Entry.Additional.
func MaskedQueryParams(additional map[string]any) map[string]struct{} {
	set, _ := additional[MaskedQueryParamsKey].(map[string]struct{})
	if len(set) == 0 {
		return nil
	}
	return set
}

// MaskQuery returns uri, a request URI as the access log prints it, with
// the value of every query parameter whose name (decoded) is in keys
// replaced by the decimal xxhash64 of the value (decoded): the hash
// skipper's access log prints. Empty values stay empty; everything else
// of the URI stays as it was, byte for byte, so uri is returned as it is
// when no parameter is masked. A value that does not decode is hashed as
// it is, so that it is masked all the same.
func MaskQuery(uri string, keys map[string]struct{}) string {
	q := strings.IndexByte(uri, '?')
	if q < 0 || len(keys) == 0 {
		return uri
	}
	var b []byte
	done := 0 // uri[:done] is in b, or would be
	for start := q + 1; start <= len(uri); {
		end := strings.IndexByte(uri[start:], '&')
		if end < 0 {
			end = len(uri)
		} else {
			end += start
		}
		pair := uri[start:end]
		rawKey, rawValue, _ := strings.Cut(pair, "=")
		if rawValue != "" {
			key, err := url.QueryUnescape(rawKey)
			if err != nil {
				key = rawKey
			}
			if _, ok := keys[key]; ok {
				value, err := url.QueryUnescape(rawValue)
				if err != nil {
					value = rawValue
				}
				if b == nil {
					b = make([]byte, 0, len(uri)+20)
				}
				b = append(b, uri[done:start+len(rawKey)+1]...)
				b = strconv.AppendUint(b, xxhash.Sum64String(value), 10)
				done = end
			}
		}
		start = end + 1
	}
	if b == nil {
		return uri
	}
	return string(append(b, uri[done:]...))
}
