package proxy

import (
	"bufio"
	"io"
	"net/http"
	"strconv"
	"strings"
)

// writeRequest serialises req as an HTTP/1.1 request on bw and flushes.
// The proxy has already removed hop-by-hop headers; framing headers
// (Content-Length, Transfer-Encoding, Trailer) are derived from the body
// here. Unlike http.Request.Write it adds no User-Agent.
func writeRequest(bw *bufio.Writer, req *http.Request, buf []byte) error {
	u := req.URL
	bw.WriteString(req.Method)
	bw.WriteByte(' ')
	switch {
	case req.Method == http.MethodConnect && u.Path == "":
		bw.WriteString(u.Host)
	case u.Opaque != "":
		bw.WriteString(u.Opaque)
	default:
		p := u.EscapedPath()
		if p == "" {
			p = "/"
		}
		bw.WriteString(p)
	}
	if u.RawQuery != "" || u.ForceQuery {
		bw.WriteByte('?')
		bw.WriteString(u.RawQuery)
	}
	bw.WriteString(" HTTP/1.1\r\nHost: ")
	host := req.Host
	if host == "" {
		host = u.Host
	}
	writeHeaderValue(bw, host)
	bw.WriteString("\r\n")

	for k, vs := range req.Header {
		switch k {
		case "Host", "Content-Length", "Transfer-Encoding", "Trailer":
			continue
		}
		for _, v := range vs {
			bw.WriteString(k)
			bw.WriteString(": ")
			writeHeaderValue(bw, v)
			bw.WriteString("\r\n")
		}
	}

	hasBody := req.Body != nil && req.Body != http.NoBody
	chunked := false
	switch {
	case !hasBody:
		switch req.Method {
		case http.MethodPost, http.MethodPut, http.MethodPatch:
			bw.WriteString("Content-Length: 0\r\n")
		}
	case req.ContentLength > 0:
		var num [20]byte
		bw.WriteString("Content-Length: ")
		bw.Write(strconv.AppendInt(num[:0], req.ContentLength, 10))
		bw.WriteString("\r\n")
	default:
		chunked = true
		bw.WriteString("Transfer-Encoding: chunked\r\n")
		if len(req.Trailer) > 0 {
			bw.WriteString("Trailer: ")
			first := true
			for k := range req.Trailer {
				if !first {
					bw.WriteString(", ")
				}
				first = false
				bw.WriteString(k)
			}
			bw.WriteString("\r\n")
		}
	}
	bw.WriteString("\r\n")

	if hasBody {
		var err error
		if chunked {
			err = writeChunked(bw, req, buf)
		} else {
			err = writeFixed(bw, req.Body, req.ContentLength, buf)
		}
		if err != nil {
			return err
		}
	}
	return bw.Flush()
}

func writeFixed(bw *bufio.Writer, body io.Reader, n int64, buf []byte) error {
	for n > 0 {
		b := buf
		if int64(len(b)) > n {
			b = b[:n]
		}
		m, err := body.Read(b)
		if m > 0 {
			if _, werr := bw.Write(b[:m]); werr != nil {
				return werr
			}
			n -= int64(m)
		}
		if err == io.EOF {
			if n > 0 {
				return &requestBodyError{io.ErrUnexpectedEOF}
			}
			break
		}
		if err != nil {
			return &requestBodyError{err}
		}
	}
	return nil
}

func writeChunked(bw *bufio.Writer, req *http.Request, buf []byte) error {
	var hex [16]byte
	for {
		m, err := req.Body.Read(buf)
		if m > 0 {
			bw.Write(strconv.AppendInt(hex[:0], int64(m), 16))
			bw.WriteString("\r\n")
			bw.Write(buf[:m])
			if _, werr := bw.WriteString("\r\n"); werr != nil {
				return werr
			}
		}
		if err == io.EOF {
			break
		}
		if err != nil {
			return &requestBodyError{err}
		}
	}
	bw.WriteString("0\r\n")
	// Trailer values are known once the body was read to the end.
	for k, vs := range req.Trailer {
		for _, v := range vs {
			bw.WriteString(k)
			bw.WriteString(": ")
			writeHeaderValue(bw, v)
			bw.WriteString("\r\n")
		}
	}
	_, err := bw.WriteString("\r\n")
	return err
}

// writeHeaderValue writes v with CR and LF replaced by spaces, so a value
// set by a filter cannot inject headers.
func writeHeaderValue(bw *bufio.Writer, v string) {
	if !strings.ContainsAny(v, "\r\n") {
		bw.WriteString(v)
		return
	}
	for i := 0; i < len(v); i++ {
		c := v[i]
		if c == '\r' || c == '\n' {
			c = ' '
		}
		bw.WriteByte(c)
	}
}
