package e2e

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"github.com/skiff-proxy/skiff"
)

func TestForwardBackend(t *testing.T) {
	fwd := newBackend(t, "fwd", nil)
	doc := routes(
		`f: Path("/f") -> setPath("/changed") -> inlineContent("filters ran") -> <forward>;`,
		`s: Path("/s") -> inlineContent("s") -> <shunt>;`,
	)
	for _, tc := range []struct {
		name       string
		url        string
		wantStatus int
		wantBody   string
	}{
		{"resolved", fwd.URL, 200, "from fwd\n"},
		{"no flag", "", 404, "Not Found\n"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			in := start(t, doc, skiff.Options{ForwardBackendURL: tc.url})
			r := in.get(t, "/f?q=1")
			if r.status != tc.wantStatus || r.body != tc.wantBody {
				t.Fatalf("got %d %q, want %d %q", r.status, r.body, tc.wantStatus, tc.wantBody)
			}
			if tc.url != "" {
				// Filters are cleared: the path is the client's.
				if got := r.header.Get("X-Seen-Path"); got != "/f?q=1" {
					t.Errorf("backend saw %q, want /f?q=1", got)
				}
				return
			}
			req, _ := http.NewRequest("GET", in.support+"/routes?invalid=true", nil)
			req.Header.Set("Accept", "application/json")
			rsp, err := in.client.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			var inv []map[string]string
			err = json.NewDecoder(rsp.Body).Decode(&inv)
			rsp.Body.Close()
			if err != nil {
				t.Fatal(err)
			}
			if len(inv) != 1 || inv[0]["id"] != "f" || !strings.Contains(inv[0]["error"], "forward-backend-url") {
				t.Errorf("invalid routes %v", inv)
			}
		})
	}
}

func TestForwardBackendBadURL(t *testing.T) {
	err := skiff.Run(t.Context(), skiff.Options{InlineRoutes: `r: * -> <forward>`, ForwardBackendURL: "fwd.example:80"})
	if err == nil || !strings.Contains(err.Error(), "forward-backend-url") {
		t.Fatalf("got %v, want a forward-backend-url error", err)
	}
}
