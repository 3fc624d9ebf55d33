package headers_test

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/skiff-proxy/skiff/filters/headers"
	"github.com/skiff-proxy/skiff/proxy/proxytest"
)

// TestEncodingThroughProxy checks that re-encoded values, bytes above 0x7f
// included, reach the backend and the client as the filters made them.
func TestEncodingThroughProxy(t *testing.T) {
	be := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header()["X-Seen-Name"] = r.Header["X-Name"]
		w.Header()["X-Seen-Auth"] = r.Header["Authorization"]
		w.Header().Set("X-Out", "Grüße")
		w.Header().Set("X-Token", "Bearer secret")
	}))
	defer be.Close()
	routes := strings.ReplaceAll(`
		charset: Path("/charset")
		  -> encodeRequestHeader("X-Name", "Windows1252")
		  -> encodeResponseHeader("X-Out", "ISO8859_1")
		  -> "BE";
		b64: Path("/b64")
		  -> decodeBase64RequestHeader("Authorization", 1)
		  -> encodeBase64ResponseHeader("X-Token", 1)
		  -> "BE";
	`, "BE", be.URL)
	srv := proxytest.Serve(t, routes, proxytest.Options{Filters: headers.EncodingSpecs()})
	client := srv.Client

	for _, tc := range []struct {
		path, hdr, value string
		want             map[string]string
	}{
		{"/charset", "X-Name", "Jürgen", map[string]string{"X-Seen-Name": "J\xfcrgen", "X-Out": "Gr\xfc\xdfe"}},
		{"/b64", "Authorization", "Basic dXNlcjpwdw==", map[string]string{"X-Seen-Auth": "Basic user:pw", "X-Token": "Bearer c2VjcmV0"}},
	} {
		req, _ := http.NewRequest("GET", srv.URL+tc.path, nil)
		req.Header.Set(tc.hdr, tc.value)
		rsp, err := client.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		rsp.Body.Close()
		if rsp.StatusCode != 200 {
			t.Errorf("%s: status %d", tc.path, rsp.StatusCode)
		}
		for k, v := range tc.want {
			if got := rsp.Header.Get(k); got != v {
				t.Errorf("%s: %s = %q, want %q", tc.path, k, got, v)
			}
		}
	}
}
