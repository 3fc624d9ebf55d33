package routing

import "testing"

func TestExplainRequest(t *testing.T) {
	for _, tc := range []struct {
		method, target string
		headers        []string
		wantErr        bool
		wantMethod     string
		wantHost       string
		wantPath       string
		wantHeader     string
	}{
		{"get", "/api?x=1", nil, false, "GET", "localhost", "/api", ""},
		{"", "example.org/a", []string{"X-A: 1", ""}, false, "GET", "example.org", "/a", "1"},
		{"POST", "https://h.example/p", []string{"Host: other.example"}, false, "POST", "other.example", "/p", ""},
		{"GET", "", nil, true, "", "", "", ""},
		{"GET", "/a", []string{"no colon"}, true, "", "", "", ""},
		{"GET", "/a", []string{"Bad Name: x"}, true, "", "", "", ""},
		{"GET", "http://[::1", nil, true, "", "", "", ""},
	} {
		r, err := ExplainRequest(tc.method, tc.target, tc.headers, "10.0.0.1:5")
		if (err != nil) != tc.wantErr {
			t.Errorf("%s %s %v: error %v", tc.method, tc.target, tc.headers, err)
			continue
		}
		if err != nil {
			continue
		}
		if r.Method != tc.wantMethod || r.Host != tc.wantHost || r.URL.Path != tc.wantPath ||
			r.Header.Get("X-A") != tc.wantHeader || r.RemoteAddr != "10.0.0.1:5" {
			t.Errorf("%s %s %v: %s %s %s %v %s", tc.method, tc.target, tc.headers, r.Method, r.Host, r.URL.Path, r.Header, r.RemoteAddr)
		}
	}
}
