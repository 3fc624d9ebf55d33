package filtertest

import (
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/skiff-proxy/skiff/filters"
)

// Context is a filters.FilterContext backed by its fields.
type Context struct {
	FRequest  *http.Request
	FResponse *http.Response
	// FOriginalRequest is what OriginalRequest returns; NewContext sets it
	// to a copy of the request without body.
	FOriginalRequest *http.Request
	// FOriginalResponse is what OriginalResponse returns. While it is nil,
	// the first call of Response or OriginalResponse that finds FResponse
	// set stores a copy of it without body, as the proxy keeps the
	// response before response filters change it.
	FOriginalResponse *http.Response
	FServed           bool
	// FMarkedServed records a MarkServed call or a write through
	// ResponseWriter (FServed is set too).
	FMarkedServed bool
	// FResponseWriter is what ResponseWriter returns; when nil, the first
	// call stores an *httptest.ResponseRecorder.
	FResponseWriter http.ResponseWriter
	// FMetrics is what Metrics returns; NewContext sets a *Metrics.
	FMetrics      filters.Metrics
	FParams       map[string]string
	FStateBag     map[string]any
	FBackendUrl   string
	FOutgoingHost string
	FRouteId      string
	// Log collects what filters logged, one formatted line per call.
	Log []string
	// LoopbackCalls counts Loopback and LoopbackWithResponse calls.
	LoopbackCalls int

	ended atomic.Bool
}

// NewContext returns a Context for req with an empty state bag, the
// outgoing host set to req.Host, a copy of req as the original request and
// a recording Metrics.
func NewContext(req *http.Request) *Context {
	return &Context{
		FRequest:         req,
		FOriginalRequest: requestHead(req),
		FStateBag:        map[string]any{},
		FParams:          map[string]string{},
		FOutgoingHost:    req.Host,
		FMetrics:         &Metrics{},
	}
}

// End marks the request as ended: from then on every method of the
// context panics, as the proxy's context does once its request is over
// (contexts are pooled there). A test calls it after the filter's Response
// method to catch a filter, or a goroutine it started, that kept the
// context.
func (c *Context) End() { c.ended.Store(true) }

func (c *Context) live() {
	if c.ended.Load() {
		panic("filtertest: FilterContext used after End; the proxy pools contexts, " +
			"so a filter must not keep one past Request or Response (see filters.FilterContext)")
	}
}

var _ filters.FilterContext = (*Context)(nil)

func (c *Context) Request() *http.Request { c.live(); return c.FRequest }

func (c *Context) Response() *http.Response {
	c.live()
	if c.FOriginalResponse == nil && c.FResponse != nil {
		c.FOriginalResponse = responseHead(c.FResponse)
	}
	return c.FResponse
}

func (c *Context) OriginalRequest() *http.Request { c.live(); return c.FOriginalRequest }

func (c *Context) OriginalResponse() *http.Response {
	c.Response()
	return c.FOriginalResponse
}

func (c *Context) Serve(rsp *http.Response) {
	c.live()
	if rsp.Header == nil {
		rsp.Header = http.Header{}
	}
	if rsp.Body == nil {
		rsp.Body = http.NoBody
	}
	c.FResponse = rsp
	c.FServed = true
}

// ResponseWriter returns a writer that passes on to FResponseWriter and,
// like the proxy's, counts a write as MarkServed.
func (c *Context) ResponseWriter() http.ResponseWriter {
	c.live()
	if c.FResponseWriter == nil {
		c.FResponseWriter = httptest.NewRecorder()
	}
	return writer{c}
}

type writer struct{ c *Context }

func (w writer) Header() http.Header { w.c.live(); return w.c.FResponseWriter.Header() }

func (w writer) WriteHeader(code int) {
	w.c.MarkServed()
	w.c.FResponseWriter.WriteHeader(code)
}

func (w writer) Write(b []byte) (int, error) {
	w.c.MarkServed()
	return w.c.FResponseWriter.Write(b)
}

func (w writer) Unwrap() http.ResponseWriter { w.c.live(); return w.c.FResponseWriter }

func (c *Context) MarkServed() {
	c.live()
	c.FServed, c.FMarkedServed = true, true
}

func (c *Context) Metrics() filters.Metrics {
	c.live()
	if c.FMetrics == nil {
		return filters.DiscardMetrics
	}
	return c.FMetrics
}

func (c *Context) Served() bool                 { c.live(); return c.FServed }
func (c *Context) PathParam(name string) string { c.live(); return c.FParams[name] }
func (c *Context) StateBag() map[string]any     { c.live(); return c.FStateBag }
func (c *Context) BackendUrl() string           { c.live(); return c.FBackendUrl }
func (c *Context) OutgoingHost() string         { c.live(); return c.FOutgoingHost }
func (c *Context) SetOutgoingHost(h string)     { c.live(); c.FOutgoingHost = h }
func (c *Context) RouteId() string              { c.live(); return c.FRouteId }
func (c *Context) Logger() filters.Logger       { c.live(); return logger{c} }
func (c *Context) Loopback()                    { c.live(); c.LoopbackCalls++ }
func (c *Context) LoopbackWithResponse()        { c.live(); c.LoopbackCalls++ }

// Split is not supported by the test context.
func (c *Context) Split() (filters.FilterContext, error) {
	c.live()
	return nil, errors.New("filtertest: Split not supported")
}

// requestHead copies r without body.
func requestHead(r *http.Request) *http.Request {
	o := r.Clone(r.Context())
	o.Body, o.GetBody = http.NoBody, nil
	return o
}

// responseHead copies r without body.
func responseHead(r *http.Response) *http.Response {
	o := &http.Response{
		Status:        r.Status,
		StatusCode:    r.StatusCode,
		Proto:         r.Proto,
		ProtoMajor:    r.ProtoMajor,
		ProtoMinor:    r.ProtoMinor,
		Header:        r.Header.Clone(),
		Body:          http.NoBody,
		ContentLength: r.ContentLength,
		Close:         r.Close,
		Uncompressed:  r.Uncompressed,
		Request:       r.Request,
		TLS:           r.TLS,
	}
	if r.TransferEncoding != nil {
		o.TransferEncoding = append([]string(nil), r.TransferEncoding...)
	}
	return o
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
