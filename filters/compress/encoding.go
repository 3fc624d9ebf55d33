package compress

import (
	"strconv"
	"strings"
)

type encoding int

const (
	encGzip encoding = iota
	encDeflate
	numEncodings
	encNone encoding = -1
)

var encodingNames = [numEncodings]string{"gzip", "deflate"}

// choose picks the supported encoding with the highest q-value in an
// Accept-Encoding header; on equal q the configured order (gzip, deflate)
// decides. "*" is ignored, as is anything with q=0.
func choose(accept string) encoding {
	best, bestQ := encNone, 0.0
	for accept != "" {
		var part string
		part, accept, _ = strings.Cut(accept, ",")
		name, params, _ := strings.Cut(part, ";")
		name = strings.TrimSpace(name)
		var e encoding
		switch {
		case strings.EqualFold(name, "gzip"), strings.EqualFold(name, "x-gzip"):
			e = encGzip
		case strings.EqualFold(name, "deflate"):
			e = encDeflate
		default:
			continue
		}
		q := qValue(params)
		if q <= 0 {
			continue
		}
		if q > bestQ || (q == bestQ && e < best) {
			best, bestQ = e, q
		}
	}
	return best
}

func qValue(params string) float64 {
	for params != "" {
		var p string
		p, params, _ = strings.Cut(params, ";")
		k, v, ok := strings.Cut(strings.TrimSpace(p), "=")
		if !ok || !strings.EqualFold(strings.TrimSpace(k), "q") {
			continue
		}
		q, err := strconv.ParseFloat(strings.TrimSpace(v), 64)
		if err != nil || q < 0 {
			return 0
		}
		if q > 1 {
			q = 1
		}
		return q
	}
	return 1
}
