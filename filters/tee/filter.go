package tee

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strings"

	"github.com/skiff-proxy/skiff/filters"
)

// Filter names used in eskip.
const (
	Name         = "tee"
	NoFollowName = "teenf"
)

// Specs returns tee and teenf sending through s.
func Specs(s *Shadow) []filters.Spec {
	return []filters.Spec{&spec{name: Name, shadow: s, follow: true}, &spec{name: NoFollowName, shadow: s}}
}

type spec struct {
	name   string
	shadow *Shadow
	follow bool
}

func (s *spec) Name() string { return s.name }

func (s *spec) invalid(format string, args ...any) error {
	return fmt.Errorf("%s: %s: %w", s.name, fmt.Sprintf(format, args...), filters.ErrInvalidFilterParameters)
}

func (s *spec) CreateFilter(args []any) (filters.Filter, error) {
	if len(args) != 1 && len(args) != 3 {
		return nil, s.invalid("want 1 or 3 arguments (url[, regexp, replacement]), got %d", len(args))
	}
	raw, ok := args[0].(string)
	if !ok {
		return nil, s.invalid("argument 1 must be a URL string, got %v", args[0])
	}
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, s.invalid("argument 1 %q must be an http or https URL with a host", raw)
	}
	f := &filter{shadow: s.shadow, scheme: u.Scheme, host: u.Host, client: s.shadow.noFollow}
	if s.follow {
		f.client = s.shadow.follow
	}
	if len(args) == 3 {
		expr, ok := args[1].(string)
		if !ok {
			return nil, s.invalid("argument 2 must be a regular expression string, got %v", args[1])
		}
		if f.rx, err = regexp.Compile(expr); err != nil {
			return nil, s.invalid("argument 2: %v", err)
		}
		if f.repl, ok = args[2].(string); !ok {
			return nil, s.invalid("argument 3 must be a replacement string, got %v", args[2])
		}
	}
	return f, nil
}

type filter struct {
	shadow       *Shadow
	client       *http.Client
	scheme, host string
	rx           *regexp.Regexp
	repl         string
}

func (f *filter) Request(ctx filters.FilterContext) {
	req := ctx.Request()
	if isUpgrade(req) || !f.shadow.start() {
		return
	}
	sctx, cancel := context.WithTimeout(f.shadow.ctx, f.shadow.opts.Timeout)
	u := &url.URL{Scheme: f.scheme, Host: f.host, Path: req.URL.Path, RawPath: req.URL.RawPath, RawQuery: req.URL.RawQuery}
	if f.rx != nil {
		u.Path = f.rx.ReplaceAllString(req.URL.Path, f.repl)
		u.RawPath = ""
	}
	sreq := (&http.Request{
		Method:     req.Method,
		URL:        u,
		Proto:      "HTTP/1.1",
		ProtoMajor: 1,
		ProtoMinor: 1,
		Header:     req.Header.Clone(),
		Host:       f.host,
	}).WithContext(sctx)
	if sreq.Header == nil {
		sreq.Header = http.Header{}
	}
	if _, ok := sreq.Header["User-Agent"]; !ok {
		// keeps the client library from adding its own, as for the main request
		sreq.Header["User-Agent"] = nil
	}
	var p *pipe
	if req.Body != nil && req.Body != http.NoBody && req.ContentLength != 0 {
		p = newPipe(f.shadow.opts.BufferSize)
		req.Body = &teeBody{src: req.Body, p: p}
		sreq.Body = p
		sreq.ContentLength = req.ContentLength
		// A transport whose request is canceled may still wait for its
		// body writer, which waits in Read for bytes the main request
		// may never read: closing the pipe ends that wait.
		context.AfterFunc(sctx, func() { p.Close() })
	}
	go f.shadow.send(f.client, sreq, cancel, p)
}

func (*filter) Response(filters.FilterContext) {}

// isUpgrade reports a protocol upgrade (WebSocket ...): its body is a
// connection, which cannot be copied.
func isUpgrade(r *http.Request) bool {
	if r.Header.Get("Upgrade") == "" {
		return false
	}
	for _, v := range r.Header.Values("Connection") {
		for _, t := range strings.Split(v, ",") {
			if strings.EqualFold(strings.TrimSpace(t), "upgrade") {
				return true
			}
		}
	}
	return false
}
