package status

import (
	"mime"
	"net/http"
	"strconv"
	"strings"

	"github.com/skiff-proxy/skiff/filters"
	"github.com/skiff-proxy/skiff/filters/specargs"
)

// content is a fixed body with its headers, computed once per route.
type content struct {
	text, contentType, length string
	status                    int // inlineContentIfStatus only
}

func newContent(a specargs.Args, i int, types *typeCache) (*content, error) {
	text, err := a.String(i, "content")
	if err != nil {
		return nil, err
	}
	c := &content{text: text, length: strconv.Itoa(len(text))}
	if a.Len() > i+1 {
		ct, err := a.NonEmptyString(i+1, "mime type")
		if err != nil {
			return nil, err
		}
		if _, _, err := mime.ParseMediaType(ct); err != nil {
			return nil, a.Errorf("argument %d (mime type) %q: %v", i+2, ct, err)
		}
		c.contentType = ct
	} else {
		c.contentType = types.detect(text)
	}
	return c, nil
}

// setHeaders sets fresh header values for one response; both values share
// one allocation and are capped so an append cannot write into the other.
func (c *content) setHeaders(h http.Header) {
	v := make([]string, 2)
	v[0], v[1] = c.contentType, c.length
	h["Content-Type"] = v[0:1:1]
	h["Content-Length"] = v[1:2:2]
}

type body struct{ strings.Reader }

func (*body) Close() error { return nil }

func (c *content) body() *body {
	b := &body{}
	b.Reset(c.text)
	return b
}

type inlineSpec struct{ types *typeCache }

func (inlineSpec) Name() string { return "inlineContent" }

func (s inlineSpec) CreateFilter(args []any) (filters.Filter, error) {
	a := specargs.Filter(s.Name(), args)
	if err := a.Count(1, 2); err != nil {
		return nil, err
	}
	c, err := newContent(a, 0, s.types)
	if err != nil {
		return nil, err
	}
	return (*inline)(c), nil
}

type inline content

func (f *inline) Request(ctx filters.FilterContext) {
	c := (*content)(f)
	h := make(http.Header, 2)
	c.setHeaders(h)
	ctx.Serve(&http.Response{
		StatusCode:    http.StatusOK,
		Status:        "200 OK",
		Proto:         "HTTP/1.1",
		ProtoMajor:    1,
		ProtoMinor:    1,
		Header:        h,
		ContentLength: int64(len(c.text)),
		Body:          c.body(),
		Request:       ctx.Request(),
	})
}

func (*inline) Response(filters.FilterContext) {}

type inlineIfStatusSpec struct{ types *typeCache }

func (inlineIfStatusSpec) Name() string { return "inlineContentIfStatus" }

func (s inlineIfStatusSpec) CreateFilter(args []any) (filters.Filter, error) {
	a := specargs.Filter(s.Name(), args)
	if err := a.Count(2, 3); err != nil {
		return nil, err
	}
	code, err := a.StatusCode(0)
	if err != nil {
		return nil, err
	}
	c, err := newContent(a, 1, s.types)
	if err != nil {
		return nil, err
	}
	c.status = code
	return (*inlineIfStatus)(c), nil
}

type inlineIfStatus content

func (*inlineIfStatus) Request(filters.FilterContext) {}

// Response replaces the body of a matching response. The old body is
// closed unread, and encodings that described it are dropped.
func (f *inlineIfStatus) Response(ctx filters.FilterContext) {
	rsp := ctx.Response()
	c := (*content)(f)
	if rsp == nil || rsp.StatusCode != c.status {
		return
	}
	if rsp.Body != nil {
		rsp.Body.Close()
	}
	if rsp.Header == nil {
		rsp.Header = make(http.Header, 2)
	}
	delete(rsp.Header, "Content-Encoding")
	delete(rsp.Header, "Transfer-Encoding")
	rsp.TransferEncoding = nil
	rsp.Uncompressed = false
	c.setHeaders(rsp.Header)
	rsp.ContentLength = int64(len(c.text))
	rsp.Body = c.body()
}
