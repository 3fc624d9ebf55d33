package nats

import (
	"regexp"
	"testing"
)

// Route ids are identifiers, fixed per key, and distinct for distinct
// keys, also where the readable part is the same: keys differing only
// in punctuation, and long keys differing after the readable part's 64
// bytes (the pairs below collided under the 32-bit FNV hash the ids
// used before).
func TestRouteID(t *testing.T) {
	valid := regexp.MustCompile(`^nats_[a-z0-9_]+$`)
	keys := []string{
		"a.test", "a-test", "a--test", "a.test/", "a.test/x", "a.test/x/", "*.a.test", "a.test/%2f", "a.test/ä",
		"my-application-with-a-long-name-in-a-long-space.apps.example.com/6c62dba85505b8f0/api",
		"my-application-with-a-long-name-in-a-long-space.apps.example.com/615f2244fb6a7959/api",
		"my-application-with-a-long-name-in-a-long-space.apps.example.com/9d4246cb483b7c74/api",
		"my-application-with-a-long-name-in-a-long-space.apps.example.com/c5d1b9cb3513e60/api",
		"", "/", "_",
	}
	seen := map[string]string{}
	for _, k := range keys {
		id := routeID(k)
		if !valid.MatchString(id) {
			t.Errorf("routeID(%q) = %q, not an identifier", k, id)
		}
		if id != routeID(k) {
			t.Errorf("routeID(%q) not deterministic", k)
		}
		if o, ok := seen[id]; ok {
			t.Errorf("keys %q and %q share the id %q", o, k, id)
		}
		seen[id] = k
	}
	if id := routeID("a.test/api"); id[:len("nats_a_test_api_")] != "nats_a_test_api_" {
		t.Errorf("readable part lost: %q", id)
	}
}
