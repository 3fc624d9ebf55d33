package status

import (
	"io"
	"net/http"
	"os"
	"strconv"
	"strings"
	"sync"

	"github.com/skiff-proxy/skiff/filters"
	"github.com/skiff-proxy/skiff/filters/specargs"
)

type staticSpec struct{}

func (staticSpec) Name() string { return "static" }

func (s staticSpec) CreateFilter(args []any) (filters.Filter, error) {
	a := specargs.Filter(s.Name(), args)
	if err := a.Count(2, 2); err != nil {
		return nil, err
	}
	prefix, err := a.String(0, "path prefix")
	if err != nil {
		return nil, err
	}
	root, err := a.NonEmptyString(1, "directory")
	if err != nil {
		return nil, err
	}
	fi, err := os.Stat(root)
	if err != nil {
		return nil, a.Errorf("argument 2 (directory): %v", err)
	}
	if !fi.IsDir() {
		return nil, a.Errorf("argument 2 (directory) %q is not a directory", root)
	}
	return &static{prefix: prefix, files: http.FileServer(http.Dir(root))}, nil
}

// static serves files with net/http's file server (index.html, directory
// listings, redirects, ranges, conditional requests). The file server
// writes into a pipe on its own goroutine; the filter serves as soon as the
// status and headers are known and the body streams from the pipe, so large
// files are never buffered. Closing the body stops the goroutine.
type static struct {
	prefix string
	files  http.Handler
}

func (f *static) Request(ctx filters.FilterContext) {
	r := ctx.Request()
	p := strings.TrimPrefix(r.URL.Path, f.prefix)
	if !strings.HasPrefix(p, "/") {
		p = "/" + p
	}
	fr := r.Clone(r.Context())
	fr.URL.Path, fr.URL.RawPath = p, ""
	fr.Body = http.NoBody

	w := newPipeWriter()
	go func() {
		defer w.finish()
		f.files.ServeHTTP(w, fr)
	}()
	<-w.ready
	length := int64(-1)
	if cl := w.sent["Content-Length"]; len(cl) == 1 {
		if n, err := strconv.ParseInt(cl[0], 10, 64); err == nil {
			length = n
		}
	}
	ctx.Serve(&http.Response{
		StatusCode:    w.status,
		Status:        statusLine(w.status),
		Proto:         "HTTP/1.1",
		ProtoMajor:    1,
		ProtoMinor:    1,
		Header:        w.sent,
		ContentLength: length,
		Body:          w.pr,
		Request:       r,
	})
}

func (*static) Response(filters.FilterContext) {}

// pipeWriter is an http.ResponseWriter whose body goes into a pipe.
type pipeWriter struct {
	header http.Header
	sent   http.Header // copy taken at WriteHeader
	status int
	pr     *io.PipeReader
	pw     *io.PipeWriter
	once   sync.Once
	ready  chan struct{}
}

func newPipeWriter() *pipeWriter {
	pr, pw := io.Pipe()
	return &pipeWriter{header: http.Header{}, pr: pr, pw: pw, ready: make(chan struct{})}
}

func (w *pipeWriter) Header() http.Header { return w.header }

func (w *pipeWriter) WriteHeader(code int) {
	w.once.Do(func() {
		w.status = code
		w.sent = w.header.Clone()
		close(w.ready)
	})
}

func (w *pipeWriter) Write(b []byte) (int, error) {
	w.WriteHeader(http.StatusOK)
	return w.pw.Write(b)
}

func (w *pipeWriter) finish() {
	w.WriteHeader(http.StatusOK)
	w.pw.Close()
}
