package proxy

import (
	"errors"
	"io"
	"net/http"
	"sync"

	"github.com/skiff-proxy/skiff/filters"
)

// maxTeeBacklog bounds what a split (tee) request may lag behind the main
// request. A shadow that falls further behind loses its body (read error)
// rather than slowing the real request down.
const maxTeeBacklog = 1 << 20

var errTeeOverrun = errors.New("tee: shadow request fell behind the original body")

// teeBody passes the original body through and hands a copy of each chunk
// to the mirror reader without ever blocking.
type teeBody struct {
	src io.ReadCloser
	m   *mirrorBody
}

type mirrorBody struct {
	mu      sync.Mutex
	cond    *sync.Cond
	chunks  [][]byte
	backlog int
	err     error // terminal: io.EOF, errTeeOverrun, or the source's error
	closed  bool
}

func newTeeBody(src io.ReadCloser) *teeBody {
	m := &mirrorBody{}
	m.cond = sync.NewCond(&m.mu)
	return &teeBody{src: src, m: m}
}

func (t *teeBody) mirror() io.ReadCloser { return t.m }

func (t *teeBody) Read(p []byte) (int, error) {
	n, err := t.src.Read(p)
	m := t.m
	m.mu.Lock()
	if !m.closed && m.err == nil {
		if n > 0 {
			if m.backlog+n > maxTeeBacklog {
				m.err = errTeeOverrun
				m.chunks, m.backlog = nil, 0
			} else {
				m.chunks = append(m.chunks, append([]byte(nil), p[:n]...))
				m.backlog += n
			}
		}
		if err != nil && m.err == nil {
			m.err = err
		}
		m.cond.Broadcast()
	}
	m.mu.Unlock()
	return n, err
}

func (t *teeBody) Close() error {
	m := t.m
	m.mu.Lock()
	if m.err == nil {
		m.err = io.ErrUnexpectedEOF
		m.cond.Broadcast()
	}
	m.mu.Unlock()
	return t.src.Close()
}

func (m *mirrorBody) Read(p []byte) (int, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	for len(m.chunks) == 0 && m.err == nil && !m.closed {
		m.cond.Wait()
	}
	if m.closed {
		return 0, http.ErrBodyReadAfterClose
	}
	if len(m.chunks) == 0 {
		return 0, m.err
	}
	n := copy(p, m.chunks[0])
	if n == len(m.chunks[0]) {
		m.chunks[0] = nil
		m.chunks = m.chunks[1:]
	} else {
		m.chunks[0] = m.chunks[0][n:]
	}
	m.backlog -= n
	return n, nil
}

func (m *mirrorBody) Close() error {
	m.mu.Lock()
	m.closed = true
	m.chunks = nil
	m.cond.Broadcast()
	m.mu.Unlock()
	return nil
}

// splitCtx is the context of a split-off request. It is independent of the
// pooled parent context so that it may outlive the original request.
type splitCtx struct {
	req     *http.Request
	resp    *http.Response
	served  bool
	bag     map[string]any
	outHost string
	params  []string // name, value pairs copied at split time
	routeId string
	backend string
	log     entryLogger
	orig    *http.Request  // the parent's original request, a copy of its own
	origRsp *http.Response // the first response a filter saw, copied then
	rw      discardResponseWriter
	metrics filters.Metrics
}

func (s *splitCtx) Request() *http.Request { return s.req }

func (s *splitCtx) Response() *http.Response {
	if s.origRsp == nil && s.resp != nil {
		s.origRsp = cloneResponseHead(s.resp)
	}
	return s.resp
}

func (s *splitCtx) OriginalRequest() *http.Request { return s.orig }

func (s *splitCtx) OriginalResponse() *http.Response {
	s.Response()
	return s.origRsp
}

// ResponseWriter discards: a split request has no client of its own.
func (s *splitCtx) ResponseWriter() http.ResponseWriter { return &s.rw }
func (s *splitCtx) MarkServed()                         { s.served = true }
func (s *splitCtx) Metrics() filters.Metrics            { return s.metrics }

func (s *splitCtx) Serve(r *http.Response) {
	if r.Header == nil {
		r.Header = make(http.Header)
	}
	if r.Body == nil {
		r.Body = http.NoBody
	}
	s.resp, s.served = r, true
}

func (s *splitCtx) Served() bool { return s.served }
func (s *splitCtx) PathParam(name string) string {
	for i := len(s.params) - 2; i >= 0; i -= 2 {
		if s.params[i] == name {
			return s.params[i+1]
		}
	}
	return ""
}
func (s *splitCtx) StateBag() map[string]any { return s.bag }
func (s *splitCtx) BackendUrl() string       { return s.backend }
func (s *splitCtx) OutgoingHost() string     { return s.outHost }
func (s *splitCtx) SetOutgoingHost(h string) { s.outHost = h }
func (s *splitCtx) RouteId() string          { return s.routeId }
func (s *splitCtx) Logger() filters.Logger   { return s.log }
func (s *splitCtx) Loopback()                {}
func (s *splitCtx) LoopbackWithResponse()    {}
func (s *splitCtx) Split() (filters.FilterContext, error) {
	return nil, errors.New("split of a split request is not supported")
}
