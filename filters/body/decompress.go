package body

import (
	"compress/flate"
	"compress/gzip"
	"compress/zlib"
	"io"
	"net/http"
	"strings"
	"sync"

	"github.com/klauspost/compress/zstd"

	"github.com/skiff-proxy/skiff/filters"
	"github.com/skiff-proxy/skiff/filters/specargs"
)

// State-bag keys of decompress, skipper's: NotPossible is set (true) when
// a response is encoded in a way the filter cannot decode; the response is
// then left as it is. skiff never sets DecompressionError: a body that
// fails to decode fails its stream instead (see README).
const (
	DecompressionNotPossible = "filter::decompress::not-possible"
	DecompressionError       = "filter::decompress::error"
)

// zstdMaxWindow bounds the memory a zstd stream may ask for: 8 MiB, what
// RFC 9659 allows for HTTP content.
const zstdMaxWindow = 8 << 20

type coding int

const (
	codingGzip coding = iota
	codingDeflate
	codingZstd
	codingBrotli
	numCodings
)

// parseCodings reads the Content-Encoding values, in the order they were
// applied. identity is skipped; ok is false when one is not supported.
func parseCodings(h http.Header) (cs []coding, ok bool) {
	for _, v := range h["Content-Encoding"] {
		for v != "" {
			var name string
			name, v, _ = strings.Cut(v, ",")
			name = strings.TrimSpace(name)
			var c coding
			switch {
			case name == "" || strings.EqualFold(name, "identity"):
				continue
			case strings.EqualFold(name, "gzip"), strings.EqualFold(name, "x-gzip"):
				c = codingGzip
			case strings.EqualFold(name, "deflate"):
				c = codingDeflate
			case strings.EqualFold(name, "zstd"):
				c = codingZstd
			case strings.EqualFold(name, "br") && haveBrotli:
				c = codingBrotli
			default:
				return nil, false
			}
			cs = append(cs, c)
		}
	}
	return cs, true
}

type decompressSpec struct{}

func (decompressSpec) Name() string { return "decompress" }

func (s decompressSpec) CreateFilter(args []any) (filters.Filter, error) {
	if err := specargs.Filter(s.Name(), args).Count(0, 0); err != nil {
		return nil, err
	}
	return decompress{}, nil
}

type decompress struct{}

func (decompress) Request(filters.FilterContext) {}

func (decompress) Response(ctx filters.FilterContext) {
	rsp := ctx.Response()
	if rsp == nil || len(rsp.Header["Content-Encoding"]) == 0 {
		return
	}
	cs, ok := parseCodings(rsp.Header)
	if !ok {
		ctx.StateBag()[DecompressionNotPossible] = true
		return
	}
	h := rsp.Header
	delete(h, "Content-Encoding")
	delete(h, "Content-Length")
	rsp.ContentLength = -1
	dropVaryAcceptEncoding(h)
	// the decoded body is another representation
	if et := h["Etag"]; len(et) == 1 && strings.HasPrefix(et[0], `"`) {
		h["Etag"] = []string{"W/" + et[0]}
	}
	if len(cs) > 0 && hasResponseBody(ctx.Request(), rsp) {
		rsp.Body = newDecoded(rsp.Body, cs)
	}
}

// dropVaryAcceptEncoding removes accept-encoding from Vary: every client
// now gets the same bytes. Other fields stay.
func dropVaryAcceptEncoding(h http.Header) {
	vs, ok := h["Vary"]
	if !ok {
		return
	}
	var kept []string
	for _, v := range vs {
		for f := range strings.SplitSeq(v, ",") {
			if f = strings.TrimSpace(f); f != "" && !strings.EqualFold(f, "Accept-Encoding") {
				kept = append(kept, f)
			}
		}
	}
	if len(kept) == 0 {
		delete(h, "Vary")
		return
	}
	h["Vary"] = []string{strings.Join(kept, ", ")}
}

// decoder is one layer of decoding, set up on its first read so that the
// filter does not read the body while the response filters run.
type decoder struct {
	c   coding
	src io.Reader
	r   io.Reader // nil until the first read
	// the pooled state behind r
	gz  *gzip.Reader
	fl  io.ReadCloser // flate or zlib
	zs  *zstd.Decoder
	br  brotliReader
	err error
}

var (
	gzipReaders sync.Pool
	zstdReaders sync.Pool
)

func (d *decoder) Read(p []byte) (int, error) {
	if d.r == nil {
		if d.err != nil {
			return 0, d.err
		}
		if d.err = d.init(); d.err != nil {
			return 0, d.err
		}
	}
	return d.r.Read(p)
}

func (d *decoder) init() error {
	switch d.c {
	case codingGzip:
		gz, _ := gzipReaders.Get().(*gzip.Reader)
		if gz == nil {
			gz = new(gzip.Reader)
		}
		d.gz = gz
		if err := gz.Reset(d.src); err != nil {
			return err
		}
		d.r = gz
	case codingDeflate:
		// RFC 9110 deflate is zlib; raw DEFLATE, which some servers
		// send (and skipper expects), is told by its first two bytes.
		var hdr [2]byte
		n, err := io.ReadFull(d.src, hdr[:])
		if n == 0 && err != nil {
			return err
		}
		src := io.MultiReader(&replay{b: hdr[:n]}, d.src)
		if n == 2 && isZlibHeader(hdr) {
			if d.fl, err = zlib.NewReader(src); err != nil {
				return err
			}
		} else {
			d.fl = flate.NewReader(src)
		}
		d.r = d.fl
	case codingZstd:
		zs, _ := zstdReaders.Get().(*zstd.Decoder)
		if zs == nil {
			var err error
			// one goroutine-free decoder, memory bounded
			zs, err = zstd.NewReader(nil, zstd.WithDecoderConcurrency(1),
				zstd.WithDecoderMaxWindow(zstdMaxWindow), zstd.WithDecoderLowmem(true))
			if err != nil {
				return err
			}
		}
		d.zs = zs
		if err := zs.Reset(d.src); err != nil {
			return err
		}
		d.r = zs
	case codingBrotli:
		d.br = newBrotli(d.src)
		d.r = d.br
	}
	return nil
}

// release returns pooled state; the decoder is not read again.
func (d *decoder) release() {
	if d.gz != nil {
		// Reset starts it afresh, whatever state it is in.
		gzipReaders.Put(d.gz)
		d.gz = nil
	}
	if d.fl != nil {
		d.fl.Close()
		d.fl = nil
	}
	if d.zs != nil {
		if d.zs.Reset(nil) == nil {
			zstdReaders.Put(d.zs)
		}
		d.zs = nil
	}
	if d.br != nil {
		releaseBrotli(d.br)
		d.br = nil
	}
	d.r, d.err = nil, ErrClosed
}

// isZlibHeader checks RFC 1950's header: deflate method, a window up to
// 32 KiB, and the check bits.
func isZlibHeader(h [2]byte) bool {
	return h[0]&0x0f == 8 && h[0]>>4 <= 7 && (uint16(h[0])<<8|uint16(h[1]))%31 == 0
}

// replay returns bytes read ahead.
type replay struct{ b []byte }

func (r *replay) Read(p []byte) (int, error) {
	if len(r.b) == 0 {
		return 0, io.EOF
	}
	n := copy(p, r.b)
	r.b = r.b[n:]
	return n, nil
}

// decoded is a response body decoded through one or more layers.
type decoded struct {
	orig   io.ReadCloser
	layers []*decoder
	r      io.Reader

	// mu orders Close after a running Read: Close may come from another
	// goroutine, and the decoders go back to their pools.
	mu     sync.Mutex
	closed bool
}

// newDecoded decodes orig, encoded with cs in that order: the last coding
// applied is undone first.
func newDecoded(orig io.ReadCloser, cs []coding) *decoded {
	b := &decoded{orig: orig, layers: make([]*decoder, len(cs))}
	var r io.Reader = orig
	for i := len(cs) - 1; i >= 0; i-- {
		d := &decoder{c: cs[i], src: r}
		b.layers[i] = d
		r = d
	}
	b.r = r
	return b
}

func (b *decoded) Read(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.closed {
		return 0, ErrClosed
	}
	return b.r.Read(p)
}

// Close closes the original body first, which ends a Read blocked on it,
// then returns the decoders.
func (b *decoded) Close() error {
	err := b.orig.Close()
	b.mu.Lock()
	defer b.mu.Unlock()
	if !b.closed {
		b.closed = true
		for _, d := range b.layers {
			d.release()
		}
	}
	return err
}
