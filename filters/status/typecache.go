package status

import (
	"net/http"
	"strings"
	"sync"
)

// typeCache remembers the content type http.DetectContentType gave short
// bodies. A routes file often repeats one inlineContent body in many
// routes (a health answer, "ok", a maintenance page), and detecting it
// again for each of 100,000 routes was a tenth of building them. The
// specs of one Specs call share a cache; it is bounded and holds copies
// of the bodies, not slices of a parsed file.
type typeCache struct {
	mu sync.Mutex
	m  map[string]string
}

const (
	maxCachedBody  = 256
	maxCachedTypes = 1024
)

func newTypeCache() *typeCache { return &typeCache{m: map[string]string{}} }

// detect returns http.DetectContentType of text.
func (c *typeCache) detect(text string) string {
	if c == nil || len(text) > maxCachedBody {
		return http.DetectContentType([]byte(text))
	}
	c.mu.Lock()
	ct, ok := c.m[text]
	c.mu.Unlock()
	if ok {
		return ct
	}
	ct = http.DetectContentType([]byte(text))
	c.mu.Lock()
	if len(c.m) >= maxCachedTypes {
		clear(c.m)
	}
	c.m[strings.Clone(text)] = ct
	c.mu.Unlock()
	return ct
}
