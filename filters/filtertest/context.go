package filtertest

import (
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/skiff-proxy/skiff/filters"
)

// Context is a filters.FilterContext backed by its fields.
type Context struct {
	FRequest          *http.Request
	FResponse         *http.Response
	FOriginalRequest  *http.Request
	FOriginalResponse *http.Response
	FServed           bool
	FParams           map[string]string
	FStateBag         map[string]any
	FBackendUrl       string
	FOutgoingHost     string
	FRouteId          string
	// Log collects what filters logged, one formatted line per call.
	Log []string
	// LoopbackCalls counts Loopback and LoopbackWithResponse calls.
	LoopbackCalls int
}

// NewContext returns a Context for req with an empty state bag and the
// outgoing host set to req.Host.
func NewContext(req *http.Request) *Context {
	return &Context{FRequest: req, FStateBag: map[string]any{}, FParams: map[string]string{}, FOutgoingHost: req.Host}
}

var _ filters.FilterContext = (*Context)(nil)

func (c *Context) Request() *http.Request           { return c.FRequest }
func (c *Context) Response() *http.Response         { return c.FResponse }
func (c *Context) OriginalRequest() *http.Request   { return c.FOriginalRequest }
func (c *Context) OriginalResponse() *http.Response { return c.FOriginalResponse }

func (c *Context) Serve(rsp *http.Response) {
	if rsp.Header == nil {
		rsp.Header = http.Header{}
	}
	if rsp.Body == nil {
		rsp.Body = http.NoBody
	}
	c.FResponse = rsp
	c.FServed = true
}

func (c *Context) Served() bool                 { return c.FServed }
func (c *Context) PathParam(name string) string { return c.FParams[name] }
func (c *Context) StateBag() map[string]any     { return c.FStateBag }
func (c *Context) BackendUrl() string           { return c.FBackendUrl }
func (c *Context) OutgoingHost() string         { return c.FOutgoingHost }
func (c *Context) SetOutgoingHost(h string)     { c.FOutgoingHost = h }
func (c *Context) RouteId() string              { return c.FRouteId }
func (c *Context) Logger() filters.Logger       { return logger{c} }
func (c *Context) Loopback()                    { c.LoopbackCalls++ }
func (c *Context) LoopbackWithResponse()        { c.LoopbackCalls++ }

// Split is not supported by the test context.
func (c *Context) Split() (filters.FilterContext, error) {
	return nil, errors.New("filtertest: Split not supported")
}

type logger struct{ c *Context }

func (l logger) logf(level, format string, args ...any) {
	l.c.Log = append(l.c.Log, level+": "+fmt.Sprintf(format, args...))
}
func (l logger) Debugf(format string, args ...any) { l.logf("debug", format, args...) }
func (l logger) Infof(format string, args ...any)  { l.logf("info", format, args...) }
func (l logger) Warnf(format string, args ...any)  { l.logf("warn", format, args...) }
func (l logger) Errorf(format string, args ...any) { l.logf("error", format, args...) }

// Create instantiates spec with args and fails the test on error.
func Create(t testing.TB, spec filters.Spec, args ...any) filters.Filter {
	t.Helper()
	f, err := spec.CreateFilter(args)
	if err != nil {
		t.Fatalf("%s%v: %v", spec.Name(), args, err)
	}
	return f
}

// Body reads and closes the body of rsp.
func Body(t testing.TB, rsp *http.Response) string {
	t.Helper()
	if rsp == nil || rsp.Body == nil {
		return ""
	}
	defer rsp.Body.Close()
	var b strings.Builder
	if _, err := io.Copy(&b, rsp.Body); err != nil {
		t.Fatalf("reading body: %v", err)
	}
	return b.String()
}

// Spec returns the spec called name from specs and fails the test when
// there is none.
func Spec(t testing.TB, specs []filters.Spec, name string) filters.Spec {
	t.Helper()
	for _, s := range specs {
		if s.Name() == name {
			return s
		}
	}
	t.Fatalf("no spec %s", name)
	return nil
}

// CreateFails checks that spec rejects args with an error that starts with
// the filter's name, contains want and wraps
// filters.ErrInvalidFilterParameters.
func CreateFails(t testing.TB, spec filters.Spec, args []any, want string) {
	t.Helper()
	_, err := spec.CreateFilter(args)
	if err == nil || !errors.Is(err, filters.ErrInvalidFilterParameters) ||
		!strings.Contains(err.Error(), want) || !strings.HasPrefix(err.Error(), spec.Name()+": ") {
		t.Errorf("%s%v: got %v, want error containing %q", spec.Name(), args, err, want)
	}
}

// CheckCreate checks that spec accepts args when bad is empty and otherwise
// rejects them as CreateFails describes, with bad in the error.
func CheckCreate(t testing.TB, spec filters.Spec, args []any, bad string) {
	t.Helper()
	if bad != "" {
		CreateFails(t, spec, args, bad)
		return
	}
	if _, err := spec.CreateFilter(args); err != nil {
		t.Errorf("%s%v: %v", spec.Name(), args, err)
	}
}
