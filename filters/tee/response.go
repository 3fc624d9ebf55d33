package tee

import (
	"context"
	"net/http"
	"net/url"

	"github.com/skiff-proxy/skiff/filters"
	"github.com/skiff-proxy/skiff/filters/specargs"
)

// ResponseName is teeResponse's name in eskip.
const ResponseName = "teeResponse"

// ResponseSpec returns teeResponse, whose copies s sends.
func ResponseSpec(s *Shadow) filters.Spec { return responseSpec{shadow: s} }

type responseSpec struct{ shadow *Shadow }

func (responseSpec) Name() string { return ResponseName }

func (s responseSpec) CreateFilter(args []any) (filters.Filter, error) {
	a := specargs.Filter(ResponseName, args)
	if err := a.Count(1, 1); err != nil {
		return nil, err
	}
	raw, err := a.NonEmptyString(0, "url")
	if err != nil {
		return nil, err
	}
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, a.Errorf("argument 1 (url) %q must be an http or https URL with a host", raw)
	}
	u.Fragment, u.RawFragment = "", ""
	if u.Path == "" && u.RawPath == "" {
		u.Path = "/"
	}
	return &responseFilter{shadow: s.shadow, url: *u}, nil
}

type responseFilter struct {
	shadow *Shadow
	url    url.URL
}

func (*responseFilter) Request(filters.FilterContext) {}

// Response posts a copy of the response body, as the client reads it, to
// the filter's URL.
func (f *responseFilter) Response(ctx filters.FilterContext) {
	rsp := ctx.Response()
	if rsp == nil || rsp.Body == nil || rsp.Body == http.NoBody || rsp.ContentLength == 0 ||
		rsp.StatusCode < 200 || rsp.StatusCode == http.StatusNoContent || rsp.StatusCode == http.StatusNotModified ||
		ctx.Request().Method == http.MethodHead {
		return
	}
	if !f.shadow.start() {
		return
	}
	sctx, cancel := context.WithTimeout(f.shadow.ctx, f.shadow.opts.Timeout)
	p := newPipe(f.shadow.opts.BufferSize)
	rsp.Body = &teeBody{src: rsp.Body, p: p}
	context.AfterFunc(sctx, func() { p.Close() })
	u := f.url
	h := http.Header{}
	for _, k := range []string{"Content-Type", "Content-Encoding"} {
		if v := rsp.Header.Get(k); v != "" {
			h.Set(k, v)
		}
	}
	n := rsp.ContentLength
	if n < 0 {
		n = 0 // with a body: length unknown, sent chunked
	}
	sreq := (&http.Request{
		Method:        http.MethodPost,
		URL:           &u,
		Proto:         "HTTP/1.1",
		ProtoMajor:    1,
		ProtoMinor:    1,
		Header:        h,
		Body:          p,
		ContentLength: n,
		Host:          u.Host,
	}).WithContext(sctx)
	go f.shadow.send(f.shadow.noFollow, sreq, cancel, p)
}
