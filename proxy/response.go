package proxy

import (
	"io"
	"net/http"
	"strings"
	"time"

	"github.com/skiff-proxy/skiff/filters"
)

// writeResponse sends c.resp to the client. The body is copied through a
// pooled buffer. Responses of unknown length (chunked from the backend)
// and event streams are flushed after every write so that streams and
// long polls are not held back; responses of known length are left to
// net/http's buffering, which saves a syscall per chunk. abort reports a
// backend failure in the middle of the body.
func (p *Proxy) writeResponse(c *reqCtx) (abort bool) {
	rsp := c.resp
	if rsp == nil {
		c.errored = true
		rsp = errorResponse(c.req, http.StatusInternalServerError)
		c.resp = rsp
	}
	if c.errored && rsp.StatusCode == statusClientClosed {
		// 499 is the access log's word for "the client left"; it is not
		// an HTTP status and nobody is there to read it. Close the
		// connection instead.
		if rsp.Body != nil {
			_ = rsp.Body.Close()
		}
		c.status = statusClientClosed
		return true
	}
	w := c.w
	h := w.Header()
	for k, vs := range rsp.Header {
		h[k] = vs
	}
	if n := len(rsp.Trailer); n > 0 {
		keys := make([]string, 0, n)
		for k := range rsp.Trailer {
			keys = append(keys, k)
		}
		h["Trailer"] = keys
	}
	now := time.Now()
	if d, ok := c.bag[filters.WriteTimeout].(time.Duration); ok && d > 0 {
		c.deadlines.writeLimit = earlier(c.deadlines.writeLimit, now.Add(d))
	}
	c.deadlines.armWrite(now, true)
	status := rsp.StatusCode
	if status < 100 || status > 999 {
		status = http.StatusInternalServerError
	}
	c.status = status
	w.WriteHeader(status)

	body := rsp.Body
	if body == nil || body == http.NoBody {
		if body != nil {
			_ = body.Close()
		}
		return false
	}
	flusher, _ := w.(http.Flusher)
	if flusher != nil && !isStreaming(rsp) {
		flusher = nil
	}
	if flusher != nil {
		flusher.Flush()
	}
	buf := p.bufPool.get()
	b := *buf
	for {
		n, rerr := body.Read(b)
		if n > 0 {
			c.deadlines.armWrite(time.Now(), false)
			m, werr := w.Write(b[:n])
			c.written += int64(m)
			if werr != nil {
				c.clientGone = true
				break
			}
			if flusher != nil {
				flusher.Flush()
			}
		}
		if rerr == io.EOF {
			break
		}
		if rerr != nil {
			abort = true
			break
		}
	}
	p.bufPool.put(buf)
	_ = body.Close()
	for k, vs := range rsp.Trailer {
		h[k] = vs
	}
	return abort
}

// isStreaming tells responses that must reach the client as they come:
// no length known up front, or server-sent events.
func isStreaming(rsp *http.Response) bool {
	if rsp.ContentLength < 0 {
		return true
	}
	ct := rsp.Header["Content-Type"]
	return len(ct) > 0 && strings.HasPrefix(ct[0], "text/event-stream")
}
