package status

import (
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"
)

func TestTypeCacheAgreesWithDetect(t *testing.T) {
	texts := []string{
		"", "ok", "  <html><body>x</body></html>", "<?xml version=\"1.0\"?><a/>",
		"%PDF-1.4", "\x89PNG\r\n\x1a\n", "\xff\xfe\x00a", "GIF89a", "{\"a\": 1}",
		"\x00\x01\x02binary", strings.Repeat("<p>long</p>", 100), "caf\xc3\xa9",
	}
	for _, c := range []*typeCache{nil, newTypeCache()} {
		for round := range 2 { // detected, then remembered
			for _, text := range texts {
				want := http.DetectContentType([]byte(text))
				if got := c.detect(text); got != want {
					t.Fatalf("cache %v round %d %q: %q, want %q", c != nil, round, text, got, want)
				}
			}
		}
	}
}

func TestTypeCacheBounded(t *testing.T) {
	c := newTypeCache()
	for i := range 3 * maxCachedTypes {
		text := fmt.Sprintf("body %d", i)
		if i%2 == 1 {
			text = "<html>" + text
		}
		if got, want := c.detect(text), http.DetectContentType([]byte(text)); got != want {
			t.Fatalf("%q: %q, want %q", text, got, want)
		}
		if len(c.m) > maxCachedTypes {
			t.Fatalf("%d entries, more than %d", len(c.m), maxCachedTypes)
		}
	}
	long := strings.Repeat("x", maxCachedBody+1)
	c.detect(long)
	if _, ok := c.m[long]; ok {
		t.Fatal("a long body was cached")
	}
}

func TestTypeCacheConcurrent(t *testing.T) {
	c := newTypeCache()
	var wg sync.WaitGroup
	for g := range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range 2000 {
				text := fmt.Sprintf("<b>%d</b>", (i+g)%50)
				if got, want := c.detect(text), http.DetectContentType([]byte(text)); got != want {
					t.Errorf("%q: %q, want %q", text, got, want)
					return
				}
			}
		}()
	}
	wg.Wait()
}
