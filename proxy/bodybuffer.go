package proxy

import (
	"bytes"
	"io"
	"net/http"
)

// Small request bodies are read from the client before a backend
// connection is taken. A client that trickles its upload then holds only
// its own connection, not a backend's: without this, 2,000 slow uploaders
// hold 2,000 backend connections. It also lets a request with
// "Expect: 100-continue" and a small body go out at once, since the body
// is already here. Bodies larger than the bound (or of unknown length that
// turn out larger) are streamed as before, after what was read.

// prefixBody replays the bytes read so far, then the rest of the body.
type prefixBody struct {
	io.Reader
	rest io.Closer
}

func (b *prefixBody) Close() error { return b.rest.Close() }

// bufferBody reads c.req's body into memory when it is at most limit
// bytes long. The error is the client's (a stall, a malformed chunk, a
// disconnect) and is returned as it came.
func (c *reqCtx) bufferBody(limit int64) error {
	r := c.req
	if limit <= 0 || !hasBody(r) || r.ContentLength > limit {
		return nil
	}
	size := r.ContentLength
	if size < 0 {
		size = 4 << 10
	}
	// One byte more than the bound tells a body of unknown length that
	// is larger from one that is exactly the bound.
	buf := make([]byte, 0, min(size, limit)+1)
	for int64(len(buf)) <= limit {
		if len(buf) == cap(buf) {
			buf = append(buf, 0)[:len(buf)] // grow
		}
		n, err := r.Body.Read(buf[len(buf):cap(buf)])
		buf = buf[:len(buf)+n]
		if err == io.EOF {
			c.bodyBuffered(buf)
			return nil
		}
		if err != nil {
			return err
		}
	}
	r.Body = &prefixBody{Reader: io.MultiReader(bytes.NewReader(buf), r.Body), rest: r.Body}
	return nil
}

// bodyBuffered replaces the request body by buf, read in full.
func (c *reqCtx) bodyBuffered(buf []byte) {
	r := c.req
	_ = r.Body.Close()
	if len(buf) == 0 {
		r.Body = http.NoBody
		r.ContentLength = 0
	} else {
		// Allocated per request, not kept in the pooled reqCtx:
		// http.Transport may read a request body after RoundTrip
		// returned.
		r.Body = io.NopCloser(bytes.NewReader(buf))
		if len(r.Trailer) == 0 {
			// Trailers travel only with chunked framing; without them
			// the length is known now.
			r.ContentLength = int64(len(buf))
		}
	}
	// The client was told to go on (net/http answered 100 Continue when
	// the body was first read) and the body is here: the backend gets it
	// without waiting for its own 100.
	delete(r.Header, "Expect")
}
