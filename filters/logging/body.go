package logging

import (
	"io"
	"net/http"

	"github.com/skiff-proxy/skiff/filters"
	"github.com/skiff-proxy/skiff/filters/specargs"
)

type logBodySpec struct{}

func (logBodySpec) Name() string { return "logBody" }

// CreateFilter takes "request" or "response" and the number of bytes to
// log at most (an integer; like skipper, 0 or less logs nothing).
func (s logBodySpec) CreateFilter(args []any) (filters.Filter, error) {
	a := specargs.Filter(s.Name(), args)
	if err := a.Count(2, 2); err != nil {
		return nil, err
	}
	which, err := a.String(0, `"request" or "response"`)
	if err != nil {
		return nil, err
	}
	f := &logBody{}
	switch which {
	case "request":
	case "response":
		f.response = true
	default:
		return nil, a.Errorf(`argument 1 must be "request" or "response", got %q`, which)
	}
	if f.limit, err = a.Int(1, "limit"); err != nil {
		return nil, err
	}
	return f, nil
}

type logBody struct {
	response bool
	limit    int
}

func (f *logBody) Request(ctx filters.FilterContext) {
	if f.response || f.limit <= 0 {
		return
	}
	r := ctx.Request()
	if r.Body == nil || r.Body == http.NoBody {
		return
	}
	// The flow id is read now: the body is read later, maybe on another
	// goroutine, when the request's header may no longer be read safely.
	// A flowId() filter therefore goes before logBody.
	r.Body = &loggedBody{rc: r.Body, left: f.limit, log: ctx.Logger(), prefix: `logBody("request") ` + flowId(ctx) + ": "}
}

func (f *logBody) Response(ctx filters.FilterContext) {
	if !f.response || f.limit <= 0 {
		return
	}
	rsp := ctx.Response()
	if rsp == nil || rsp.Body == nil || rsp.Body == http.NoBody || rsp.StatusCode == http.StatusSwitchingProtocols {
		return
	}
	rsp.Body = &loggedBody{rc: rsp.Body, left: f.limit, log: ctx.Logger(), prefix: `logBody("response") ` + flowId(ctx) + ": "}
}

// loggedBody logs what passes through Read, chunk by chunk as it is read,
// until left bytes were logged; it keeps nothing.
type loggedBody struct {
	rc   io.ReadCloser
	left int
	// log is the context's logger, which outlives the context.
	log    filters.Logger
	prefix string // `logBody("request") <flow id>: `
}

func (b *loggedBody) Read(p []byte) (int, error) {
	n, err := b.rc.Read(p)
	if n > 0 && b.left > 0 {
		m := min(n, b.left)
		b.left -= m
		b.log.Infof("%s%q", b.prefix, p[:m])
	}
	return n, err
}

func (b *loggedBody) Close() error { return b.rc.Close() }
