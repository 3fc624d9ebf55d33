package proxytest

import (
	"io"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/skiff-proxy/skiff/filters"
)

type setHeaderSpec struct{}

func (setHeaderSpec) Name() string { return "mark" }
func (setHeaderSpec) CreateFilter([]any) (filters.Filter, error) {
	return mark{}, nil
}

type mark struct{}

func (mark) Request(ctx filters.FilterContext)  { ctx.Request().Header.Set("X-Mark", "1") }
func (mark) Response(ctx filters.FilterContext) { ctx.Response().Header.Set("X-Marked", "1") }

func TestServe(t *testing.T) {
	be := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, r.Header.Get("X-Mark"))
	}))
	defer be.Close()
	s := Serve(t, `r: Path("/") -> mark() -> "`+be.URL+`";`, Options{Filters: []filters.Spec{setHeaderSpec{}}})
	rsp, err := s.Client.Get(s.URL + "/")
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(rsp.Body)
	rsp.Body.Close()
	if rsp.StatusCode != 200 || string(b) != "1" || rsp.Header.Get("X-Marked") != "1" {
		t.Errorf("%d %q %v", rsp.StatusCode, b, rsp.Header)
	}
}
