package filtertest

import (
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/skiff-proxy/skiff/filters"
)

// recorder notes failures instead of ending the test.
type recorder struct {
	testing.TB
	errors, fatals int
}

func (r *recorder) Helper()               {}
func (r *recorder) Errorf(string, ...any) { r.errors++ }
func (r *recorder) Fatalf(string, ...any) { r.fatals++ }

type noop struct{}

func (noop) Request(filters.FilterContext)  {}
func (noop) Response(filters.FilterContext) {}

// fixedSpec fails with err, or succeeds when err is nil.
type fixedSpec struct {
	name string
	err  error
}

func (s fixedSpec) Name() string { return s.name }
func (s fixedSpec) CreateFilter([]any) (filters.Filter, error) {
	if s.err != nil {
		return nil, s.err
	}
	return noop{}, nil
}

func invalid(msg string) error {
	return errors.Join(errors.New(msg), filters.ErrInvalidFilterParameters)
}

func TestSpec(t *testing.T) {
	specs := []filters.Spec{fixedSpec{name: "a"}, fixedSpec{name: "b"}}
	r := &recorder{TB: t}
	if s := Spec(r, specs, "b"); s == nil || s.Name() != "b" || r.fatals != 0 {
		t.Errorf("Spec(b) = %v, fatals %d", s, r.fatals)
	}
	if s := Spec(r, specs, "c"); s != nil || r.fatals != 1 {
		t.Errorf("Spec(c) = %v, fatals %d", s, r.fatals)
	}
}

func TestCheckCreate(t *testing.T) {
	for _, tc := range []struct {
		name   string
		err    error
		bad    string
		errors int
	}{
		{"accepted", nil, "", 0},
		{"rejected unexpectedly", invalid("f: argument 1"), "", 1},
		{"rejected", invalid("f: argument 1 is bad"), "argument 1", 0},
		{"accepted unexpectedly", nil, "argument 1", 1},
		{"other text", invalid("f: argument 2 is bad"), "argument 1", 1},
		{"not naming the filter first", invalid("argument 1 of f"), "argument 1", 1},
		{"not wrapping the sentinel", errors.New("f: argument 1"), "argument 1", 1},
	} {
		r := &recorder{TB: t}
		CheckCreate(r, fixedSpec{name: "f", err: tc.err}, nil, tc.bad)
		if r.errors != tc.errors || r.fatals != 0 {
			t.Errorf("%s: %d errors %d fatals, want %d errors", tc.name, r.errors, r.fatals, tc.errors)
		}
	}
}

func TestContextAPI(t *testing.T) {
	req := httptest.NewRequest("GET", "http://example.org/a?x=1", nil)
	req.Header.Set("X-A", "1")
	c := NewContext(req)
	req.Header.Set("X-A", "2")
	req.URL.Path = "/b"
	if o := c.OriginalRequest(); o.Header.Get("X-A") != "1" || o.URL.Path != "/a" || o.Body != http.NoBody {
		t.Errorf("original request %v %v", o.URL, o.Header)
	}
	if c.OriginalResponse() != nil {
		t.Error("original response before there is a response")
	}
	c.FResponse = &http.Response{StatusCode: 200, Header: http.Header{"X-B": {"1"}}, Body: http.NoBody}
	c.Response().Header.Set("X-B", "2")
	if o := c.OriginalResponse(); o == nil || o.Header.Get("X-B") != "1" {
		t.Errorf("original response %v", o)
	}

	m := c.Metrics().(*Metrics)
	c.Metrics().IncCounter("a")
	c.Metrics().IncCounterBy("a", 2)
	c.Metrics().IncFloatCounterBy("f", 0.5)
	c.Metrics().MeasureSince("t", time.Now())
	if m.Counter("a") != 3 || m.FloatCounter("f") != 0.5 || len(m.Measured("t")) != 1 {
		t.Errorf("metrics %d %v %v", m.Counter("a"), m.FloatCounter("f"), m.Measured("t"))
	}

	w := c.ResponseWriter()
	w.WriteHeader(http.StatusTeapot)
	io.WriteString(w, "tea")
	rec := c.FResponseWriter.(*httptest.ResponseRecorder)
	if !c.Served() || !c.FMarkedServed || rec.Code != http.StatusTeapot || rec.Body.String() != "tea" {
		t.Errorf("served %v marked %v recorded %d %q", c.Served(), c.FMarkedServed, rec.Code, rec.Body)
	}
}

func TestContextEnd(t *testing.T) {
	c := NewContext(httptest.NewRequest("GET", "/", nil))
	w := c.ResponseWriter()
	c.End()
	for name, use := range map[string]func(){
		"Request":        func() { c.Request() },
		"StateBag":       func() { c.StateBag() },
		"Metrics":        func() { c.Metrics() },
		"ResponseWriter": func() { w.Header() },
	} {
		func() {
			defer func() {
				if p, _ := recover().(string); !strings.Contains(p, "used after End") {
					t.Errorf("%s after End: panic %q", name, p)
				}
			}()
			use()
		}()
	}
}
