package compress

import (
	"net/http"
	"strconv"
	"strings"

	"github.com/skiff-proxy/skiff/filters"
)

type filter struct {
	spec  *spec
	level int
	types map[string]struct{}
}

func (*filter) Request(filters.FilterContext) {}

func (f *filter) Response(ctx filters.FilterContext) {
	rsp := ctx.Response()
	req := ctx.Request()
	if rsp == nil || rsp.Body == nil || rsp.Body == http.NoBody || req.Method == http.MethodHead {
		return
	}
	switch {
	case rsp.StatusCode < 200, rsp.StatusCode == http.StatusNoContent,
		rsp.StatusCode == http.StatusPartialContent, rsp.StatusCode == http.StatusNotModified:
		return
	}
	h := rsp.Header
	if h == nil {
		return
	}
	if ce := h.Get("Content-Encoding"); ce != "" && !strings.EqualFold(ce, "identity") {
		return
	}
	if hasToken(h.Values("Cache-Control"), "no-transform") {
		return
	}
	if _, ok := f.types[mediaType(h.Get("Content-Type"))]; !ok {
		return
	}
	// The representation depends on Accept-Encoding from here on, whether
	// or not this client gets it compressed: caches must know.
	if !hasToken(h.Values("Vary"), "Accept-Encoding") {
		h.Add("Vary", "Accept-Encoding")
	}
	if n := declaredLength(rsp); n >= 0 && n < MinSize {
		return
	}
	enc := choose(req.Header.Get("Accept-Encoding"))
	if enc == encNone {
		return
	}
	h.Del("Content-Length")
	h.Del("Accept-Ranges")
	rsp.ContentLength = -1
	h.Set("Content-Encoding", encodingNames[enc])
	if et := h.Get("Etag"); et != "" && !strings.HasPrefix(et, "W/") {
		// The compressed bytes differ, so a strong validator no longer holds.
		h.Set("Etag", "W/"+et)
	}
	rsp.Body = f.spec.newEncoder(rsp.Body, enc, codecLevel(f.level))
}

func declaredLength(rsp *http.Response) int64 {
	if rsp.ContentLength >= 0 {
		return rsp.ContentLength
	}
	if v := rsp.Header.Get("Content-Length"); v != "" {
		if n, err := strconv.ParseInt(v, 10, 64); err == nil {
			return n
		}
	}
	return -1
}

// mediaType returns the lower-cased type/subtype of a Content-Type value.
func mediaType(ct string) string {
	if i := strings.IndexByte(ct, ';'); i >= 0 {
		ct = ct[:i]
	}
	ct = strings.TrimSpace(ct)
	for i := 0; i < len(ct); i++ {
		if c := ct[i]; c >= 'A' && c <= 'Z' {
			return strings.ToLower(ct)
		}
	}
	return ct
}

// hasToken reports whether a comma-separated header lists tok.
func hasToken(values []string, tok string) bool {
	for _, v := range values {
		for v != "" {
			var t string
			t, v, _ = strings.Cut(v, ",")
			if strings.EqualFold(strings.TrimSpace(t), tok) {
				return true
			}
		}
	}
	return false
}
