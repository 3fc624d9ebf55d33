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
//
// The first chunk of a body of known length is read before the header is
// written: a backend that sends its header and then nothing (or fails) is
// still answered with an error status (504 for the read idle timeout)
// rather than a cut connection. When more than that chunk is to come, the
// header and the chunk are flushed at once, so a backend failing later
// leaves the client with the status it was about to get.
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
	body := rsp.Body
	hasBody := body != nil && body != http.NoBody
	streaming := hasBody && isStreaming(rsp)

	var buf *[]byte
	n, rerr := 0, error(nil)
	if hasBody && !streaming {
		buf = p.bufPool.Get()
		n, rerr = body.Read(*buf)
		if n == 0 && rerr != nil && rerr != io.EOF && !c.errored {
			// Nothing is committed yet: answer the failure instead.
			p.bufPool.Put(buf)
			c.setError(rerr)
			return p.writeResponse(c)
		}
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

	if !hasBody {
		if body != nil {
			_ = body.Close()
		}
		return false
	}
	flusher, _ := w.(http.Flusher)
	if streaming {
		if flusher != nil {
			flusher.Flush()
		}
		buf = p.bufPool.Get()
		n, rerr = body.Read(*buf)
	}
	b := *buf
	for first := true; ; first = false {
		if n > 0 {
			c.deadlines.armWrite(time.Now(), false)
			m, werr := w.Write(b[:n])
			c.written += int64(m)
			if werr != nil {
				c.clientGone = true
				break
			}
			if flusher != nil && (streaming || (first && rerr == nil && rsp.ContentLength > int64(n))) {
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
		n, rerr = body.Read(b)
	}
	p.bufPool.Put(buf)
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
