package logging

import (
	"net/http"
	"slices"
	"strconv"
	"strings"

	"github.com/skiff-proxy/skiff/filters"
	"github.com/skiff-proxy/skiff/filters/specargs"
)

type logHeaderSpec struct{}

func (logHeaderSpec) Name() string { return "logHeader" }

// CreateFilter takes any number of strings: "request" and "response" (any
// case) choose what is logged, other words are ignored as skipper ignores
// them; no argument means "request".
func (s logHeaderSpec) CreateFilter(args []any) (filters.Filter, error) {
	a := specargs.Filter(s.Name(), args)
	f := &logHeader{request: len(args) == 0}
	for i := range args {
		v, err := a.String(i, `"request" or "response"`)
		if err != nil {
			return nil, err
		}
		switch strings.ToLower(v) {
		case "request":
			f.request = true
		case "response":
			f.response = true
		}
	}
	return f, nil
}

type logHeader struct{ request, response bool }

// Request logs the request line, the Host and the header fields sorted by
// name, as they are after the filters before this one.
func (f *logHeader) Request(ctx filters.FilterContext) {
	if !f.request {
		return
	}
	r := ctx.Request()
	var b strings.Builder
	requestLine(&b, r)
	b.WriteString("Host: ")
	b.WriteString(r.Host)
	b.WriteString("\r\n")
	writeHeader(&b, r.Header)
	ctx.Logger().Infof("%s", b.String())
}

// Response logs the request line, the status line and the response's
// header fields.
func (f *logHeader) Response(ctx filters.FilterContext) {
	if !f.response {
		return
	}
	rsp := ctx.Response()
	if rsp == nil {
		return
	}
	var b strings.Builder
	b.WriteString("Response for ")
	requestLine(&b, ctx.Request())
	status := rsp.Status
	if status == "" {
		status = strconv.Itoa(rsp.StatusCode) + " " + http.StatusText(rsp.StatusCode)
	}
	b.WriteString(status)
	b.WriteString("\r\n")
	writeHeader(&b, rsp.Header)
	ctx.Logger().Infof("%s", b.String())
}

func requestLine(b *strings.Builder, r *http.Request) {
	b.WriteString(r.Method)
	b.WriteByte(' ')
	b.WriteString(r.URL.Path)
	b.WriteByte(' ')
	b.WriteString(r.Proto)
	b.WriteString("\r\n")
}

// writeHeader writes one line per field, its values joined with spaces,
// and the empty line. Credentials are replaced by TRUNCATED.
func writeHeader(b *strings.Builder, h http.Header) {
	keys := make([]string, 0, len(h))
	for k := range h {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		b.WriteString(k)
		b.WriteString(": ")
		if strings.EqualFold(k, "Authorization") || strings.EqualFold(k, "Proxy-Authorization") {
			b.WriteString("TRUNCATED")
		} else {
			b.WriteString(strings.Join(h[k], " "))
		}
		b.WriteString("\r\n")
	}
	b.WriteString("\r\n")
}
