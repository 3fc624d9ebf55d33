package registration

import "testing"

// §4.1, and the URIs §3.2 says are not validated.
func TestRouteKey(t *testing.T) {
	for _, tc := range []struct {
		uri, key, contextPath string
	}{
		{uri: "Foo.Example.com/API/?x=1", key: "foo.example.com/api", contextPath: "/API"},
		{uri: "MyApp.Example.COM/Api/?q=1", key: "myapp.example.com/api", contextPath: "/Api"}, // §18 C12
		{uri: "q.test?x=1", key: "q.test", contextPath: "/"},                                   // §18 C14
		{uri: "app.test", key: "app.test", contextPath: "/"},
		{uri: "c.test/api", key: "c.test/api", contextPath: "/api"},
		{uri: "a.test/", key: "a.test", contextPath: "/"},
		{uri: "a.test//", key: "a.test/", contextPath: "/"},
		{uri: "a.test/x//", key: "a.test/x/", contextPath: "/x/"},
		{uri: "a.test/X/Y", key: "a.test/x/y", contextPath: "/X/Y"},
		{uri: "a.test/x?y/z?w", key: "a.test/x", contextPath: "/x"},
		{uri: "a.test/x/?", key: "a.test/x", contextPath: "/x"},
		{uri: "a.test?/x", key: "a.test", contextPath: "/"},
		{uri: "*.W.test/Path", key: "*.w.test/path", contextPath: "/Path"},
		{uri: "a.test/%2F/Seg", key: "a.test/%2f/seg", contextPath: "/%2F/Seg"},
		{uri: "ÄPP.test/Übung", key: "äpp.test/übung", contextPath: "/Übung"},
		{uri: "", key: "", contextPath: "/"},
		{uri: "/", key: "", contextPath: "/"},
		{uri: "?x", key: "", contextPath: "/"},
		{uri: "/Path", key: "/path", contextPath: "/Path"},
		{uri: "http://X.com", key: "http://x.com", contextPath: "//X.com"},
		{uri: "a b", key: "a b", contextPath: "/"},
		{uri: "10.0.0.1:8080/x", key: "10.0.0.1:8080/x", contextPath: "/x"},
	} {
		t.Run(tc.uri, func(t *testing.T) {
			key, contextPath := RouteKey(tc.uri)
			if key != tc.key || contextPath != tc.contextPath {
				t.Errorf("RouteKey(%q) = %q, %q; want %q, %q", tc.uri, key, contextPath, tc.key, tc.contextPath)
			}
		})
	}
}

// A route that is already lower-case costs nothing (§16: refreshes must be
// cheap).
func TestRouteKeyAllocations(t *testing.T) {
	for _, tc := range []struct {
		uri    string
		allocs float64
	}{
		{uri: "myapp.apps.example.com/api/", allocs: 0},
		{uri: "q.test?x=1", allocs: 0},
		{uri: "MyApp.apps.example.com", allocs: 1},
	} {
		if n := testing.AllocsPerRun(100, func() { RouteKey(tc.uri) }); n != tc.allocs {
			t.Errorf("RouteKey(%q): %v allocations, want %v", tc.uri, n, tc.allocs)
		}
	}
}
