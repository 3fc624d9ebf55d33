package e2e

import (
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	skiff "github.com/skiff-proxy/skiff"
)

// The four behaviours issue 12 found differing from skipper, each pinned
// to skipper's answer.
func TestSkipperBehaviours(t *testing.T) {
	t.Parallel()
	type seen struct{ host, uri string }
	got := make(chan seen, 8)
	be := newBackend(t, "b", func(w http.ResponseWriter, r *http.Request) {
		got <- seen{r.Host, r.RequestURI}
	})
	bh := strings.TrimPrefix(be.URL, "http://")
	routes := fmt.Sprintf(`
cookie: Path("/cookie") -> responseCookie("c", "v") -> %[1]q;
expire: Path("/expire") -> responseCookie("c", "v", 0) -> %[1]q;
enforce_www: Host(/^example[.]org$/) -> modRequestHeader("Host", /^example[.]org$/, "www.example.org") -> redirectTo(301) -> <shunt>;
outer: Path("/outer") -> setRequestHeader("Host", "outer.example") -> setPath("/inner") -> <loopback>;
inner: Path("/inner") -> %[1]q;
outerPreserve: Path("/outer-preserve") -> setRequestHeader("Host", "outer.example") -> setPath("/inner-preserve") -> <loopback>;
innerPreserve: Path("/inner-preserve") -> preserveHost("true") -> %[1]q;
relative: Path("/relative") -> setPath("relative") -> %[1]q;
`, be.URL)
	in := start(t, routes, skiff.Options{})
	recv := func() seen {
		t.Helper()
		select {
		case s := <-got:
			return s
		case <-time.After(5 * time.Second):
			t.Fatal("the backend got no request")
			return seen{}
		}
	}

	// responseCookie's Domain comes from the request's Host, not the
	// backend's; a max age of 0 expires the cookie now.
	r := in.get(t, "/cookie", "Host", "www.example.org")
	recv()
	if c := r.header.Get("Set-Cookie"); c != "c=v; Path=/; Domain=example.org; HttpOnly; Secure" {
		t.Errorf("responseCookie: Set-Cookie %q", c)
	}
	r = in.get(t, "/expire", "Host", "www.example.org")
	recv()
	if c := r.header.Get("Set-Cookie"); c != "c=v; Path=/; Domain=example.org; Max-Age=0; HttpOnly; Secure" {
		t.Errorf("responseCookie with max age 0: Set-Cookie %q", c)
	}

	// skipper's enforce_www example redirects to the rewritten Host.
	noRedirect := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	req, _ := http.NewRequest("GET", in.url+"/shop?x=1", nil)
	req.Host = "example.org"
	rsp, err := noRedirect.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	rsp.Body.Close()
	if rsp.StatusCode != 301 || rsp.Header.Get("Location") != "https://www.example.org/shop?x=1" {
		t.Errorf("enforce_www: %d Location %q", rsp.StatusCode, rsp.Header.Get("Location"))
	}

	// A Host set before <loopback> does not reach the inner route's
	// network backend, unless that route preserves the Host.
	in.get(t, "/outer", "Host", "client.example")
	if s := recv(); s.host != bh || s.uri != "/inner" {
		t.Errorf("loopback: backend saw Host %q %q, want its own host %q", s.host, s.uri, bh)
	}
	in.get(t, "/outer-preserve", "Host", "client.example")
	if s := recv(); s.host != "outer.example" {
		t.Errorf("loopback into preserveHost: backend saw Host %q, want outer.example", s.host)
	}

	// Paths are absolute on the wire.
	in.get(t, "/relative?q=1", "Host", "a.example")
	if s := recv(); s.uri != "/relative?q=1" {
		t.Errorf("setPath(\"relative\"): backend got %q", s.uri)
	}
}
