package proxy

import (
	"net/http"
	"strings"
	"testing"

	"github.com/skiff-proxy/skiff/filters"
)

// endpointHeader is an AttemptFilter that tells the backend which
// endpoint the balancer chose for it.
type endpointHeader struct{ funcFilter }

func (endpointHeader) Attempt(c filters.FilterContext, endpoint string) {
	c.Request().Header.Set("X-Endpoint", endpoint)
}

type endpointHeaderSpec struct{}

func (endpointHeaderSpec) Name() string { return "endpointHeader" }
func (endpointHeaderSpec) CreateFilter([]any) (filters.Filter, error) {
	return endpointHeader{}, nil
}

// Each attempt gets the header of its own endpoint, the retry after a
// refused connection included; and a preferred endpoint in the state bag
// takes every request.
func TestAttemptFilterSeesEachEndpoint(t *testing.T) {
	dead := deadAddr(t)
	var seen []string
	be := backend(t, func(w http.ResponseWriter, r *http.Request) {
		seen = append(seen, r.Header.Get("X-Endpoint"))
	})
	live := strings.TrimPrefix(be.URL, "http://")
	reg := testRegistry()
	reg.Register(endpointHeaderSpec{})
	reg.Register(testSpec{"prefer", func(args []any) filters.Filter {
		return funcFilter{req: func(c filters.FilterContext) { c.StateBag()[filters.PreferredEndpoint] = str(args, 0) }}
	}})
	r := lbRoute("lb", "/", "http://"+dead, be.URL)
	r.Filters = append(r.Filters, f("prefer", dead), f("endpointHeader"))
	fx := startProxyReg(t, reg, Options{}, r)
	rsp, _ := get(t, fx.url("/"))
	if rsp.StatusCode != 200 {
		t.Fatalf("status %d", rsp.StatusCode)
	}
	if len(seen) != 1 || seen[0] != live {
		t.Errorf("backend saw X-Endpoint %q, want [%s] (the retry's own endpoint)", seen, live)
	}
}

// An error handler finds the cause of the proxy's error response in the
// state bag.
func TestProxyErrorInStateBag(t *testing.T) {
	got := make(chan error, 1)
	reg := testRegistry()
	reg.Register(testSpec{"seeError", func([]any) filters.Filter {
		return errFilter{funcFilter{rsp: func(c filters.FilterContext) {
			err, _ := c.StateBag()[filters.ProxyError].(error)
			got <- err
		}}}
	}})
	fx := startProxyReg(t, reg, Options{}, netRoute("r", "/", "http://"+deadAddr(t), f("seeError")))
	if rsp, _ := get(t, fx.url("/")); rsp.StatusCode != http.StatusBadGateway {
		t.Fatalf("status %d, want 502", rsp.StatusCode)
	}
	if err := <-got; err == nil || !strings.Contains(err.Error(), "refused") {
		t.Errorf("state bag error %v, want the refused dial", err)
	}
}
