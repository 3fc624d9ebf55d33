package respwriter

import (
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"golang.org/x/net/http/httpguts"
)

// The header fields writeHead may drop from the snapshot, in the order
// their keys sort.
const (
	spConnection = iota
	spContentLength
	spContentType
	spTransferEncoding
	nSpecial
)

// span locates a special key's serialized fields in b.head.
type span struct {
	start, end int
	present    bool // the key is in the map (even with no values)
	deleted    bool
}

// snapshot serializes the handler's header as it is now, which is what the
// head will carry: net/http clones the map when the status is fixed and
// writes the clone later. The status line goes first, then the fields
// sorted by key as net/http's Header.WriteSubset writes them. It also
// records what writeHead needs to know of the map at this point, and
// returns the first Content-Length value.
func (w *Writer) snapshot() (cl string) {
	b := w.bufs()
	h := appendStatusLine(b.head[:0], w.status)

	var arr [16]keyValues
	kvs := arr[:0]
	for k, vv := range w.header {
		// "Trailer:" keys are trailers, never head fields (net/http).
		if strings.HasPrefix(k, http.TrailerPrefix) {
			w.hasTrailers = true
			continue
		}
		switch k {
		case "Trailer":
			for _, v := range vv {
				w.hasTrailers = true
				w.declareTrailers(v)
			}
		case "Transfer-Encoding":
			w.te = first(vv)
		case "Content-Length":
			cl = first(vv)
		case "Connection":
			v := first(vv)
			w.connIsClose = v == "close"
			w.connHasClose = hasToken(v, "close")
			w.connUpgrade = httpguts.HeaderValuesContainsToken(vv, "Upgrade")
		case "Content-Encoding":
			w.hasCE = first(vv) != ""
		case "Date":
			w.hasDate = true
		case "Upgrade":
			w.upgrade = first(vv) != ""
		}
		kvs = append(kvs, keyValues{k, vv})
	}
	var ob [16]uint8
	ord := order(kvs, &ob)
	for i := range kvs {
		kv := kvs[i]
		if ord != nil {
			kv = kvs[ord[i]]
		}
		sp := -1
		switch kv.key {
		case "Connection":
			sp = spConnection
		case "Content-Length":
			sp = spContentLength
		case "Content-Type":
			sp = spContentType
		case "Transfer-Encoding":
			sp = spTransferEncoding
		}
		start := len(h)
		h = appendFields(h, kv)
		if sp >= 0 {
			w.spec[sp] = span{start: start, end: len(h), present: true}
		}
	}
	b.head = h
	return cl
}

// declareTrailers notes the trailer names of one Trailer field value
// (RFC 9110 §6.6.2), as net/http's foreachHeaderElement and
// declareTrailer: a comma-separated list, canonicalized, without the
// fields a trailer must not carry (RFC 9110 §6.5.1).
func (w *Writer) declareTrailers(v string) {
	v = trimString(v)
	for v != "" {
		f := v
		if i := strings.IndexByte(v, ','); i >= 0 {
			f, v = v[:i], v[i+1:]
		} else {
			v = ""
		}
		if f = trimString(f); f == "" {
			continue
		}
		k := http.CanonicalHeaderKey(f)
		if httpguts.ValidTrailerHeader(k) {
			w.trailers = append(w.trailers, k)
		}
	}
}

// del drops a special key's fields from the serialized snapshot h.
func (w *Writer) del(h []byte, sp int) []byte {
	s := &w.spec[sp]
	if !s.present || s.deleted {
		return h
	}
	s.deleted = true
	d := s.end - s.start
	if d == 0 {
		return h
	}
	copy(h[s.start:], h[s.end:])
	h = h[:len(h)-d]
	for i := range w.spec {
		if o := &w.spec[i]; o.present && !o.deleted && o.start > s.start {
			o.start -= d
			o.end -= d
		}
	}
	return h
}

// writeHead is net/http's chunkWriter.writeHeader for an HTTP/1.1
// request: it decides the framing and Connection: close from the snapshot,
// the handler's state and p, the start of the body (nil when the head is
// flushed without one), and writes the head to bw.
func (w *Writer) writeHead(p []byte) {
	w.headWritten = true
	b := w.bufs()
	h := b.head
	code := w.status
	bodyOK := bodyAllowedForStatus(code)
	hasTE := w.te != ""

	// A handler that is done and wrote less than the buffer gets a
	// Content-Length, even 0 (RFC 9112 §6.3), unless it declared its own
	// framing or trailers, or the status has no body. For HEAD, 0 bytes
	// may just mean the handler skipped the body, so no length is sent
	// then (net/http).
	var autoCL bool
	if w.handlerDone && !w.hasTrailers && !hasTE && bodyOK && !w.spec[spContentLength].present && (!w.isHEAD || len(p) > 0) {
		w.contentLength = int64(len(p))
		autoCL = true
	}
	hasCL := w.contentLength != -1

	w.keepAlivesOff = w.conn.KeepAlivesOff()
	if w.wantsClose || w.connIsClose || w.keepAlivesOff {
		w.closeAfterReply = true
	}

	// Unread request body: settle it before the response starts, unless
	// the connection closes anyway or the handler asked for full duplex
	// (net/http, for clients that send the whole request first).
	var connection string
	if w.req.ContentLength != 0 && !w.closeAfterReply && !w.fullDuplex {
		switch reuse, tooBig := w.conn.SettleBody(); {
		case tooBig:
			w.closeAfterReply = true
			h = w.del(h, spConnection)
			connection = "close"
		case !reuse:
			w.closeAfterReply = true
		}
	}

	var ctype string
	if bodyOK {
		// Sniff (RFC 9110 §8.3) only when the handler gave no type, no
		// Content-Encoding and no Transfer-Encoding, as net/http.
		if !w.hasCE && !w.spec[spContentType].present && !hasTE && len(p) > 0 {
			ctype = http.DetectContentType(p)
		}
	} else {
		// RFC 9110 §15.4.5 (304 describes the selected representation,
		// but net/http drops its type too) and §8.6 (no length fields
		// without a body).
		if code == http.StatusNotModified {
			h = w.del(h, spContentType)
		}
		h = w.del(h, spContentLength)
		h = w.del(h, spTransferEncoding)
	}

	// RFC 9112 §6.3: Transfer-Encoding overrides Content-Length; net/http
	// drops the length unless the coding is "identity".
	if hasCL && hasTE && w.te != "identity" {
		h = w.del(h, spContentLength)
		hasCL = false
	}

	var te string
	switch {
	case w.isHEAD || !bodyOK || code == http.StatusNoContent:
		h = w.del(h, spTransferEncoding)
	case hasCL:
		h = w.del(h, spTransferEncoding)
	case hasTE && w.te == "identity":
		// No length, no chunking: the body ends when the connection
		// closes (RFC 9112 §6.3 item 8), as net/http does for
		// Server-Sent Events handlers that ask for it.
		w.closeAfterReply = true
		h = w.del(h, spTransferEncoding)
	default:
		w.chunking = true
		te = "chunked"
		if hasTE && w.te == "chunked" {
			// Written once, at the end, with the other added fields.
			h = w.del(h, spTransferEncoding)
		}
	}
	if w.chunking {
		h = w.del(h, spContentLength)
	}

	// Replace the handler's Connection field by "close" when closing,
	// unless the handler already said close (and keep-alives are on), or
	// this is a successful protocol switch (net/http, golang.org/issue/36381).
	connDeleted := w.spec[spConnection].deleted
	connClose := w.connHasClose && !connDeleted
	protoSwitch := code == http.StatusSwitchingProtocols && w.upgrade && w.connUpgrade && !connDeleted
	if w.closeAfterReply && (w.keepAlivesOff || !connClose) && !protoSwitch {
		h = w.del(h, spConnection)
		connection = "close"
	}

	// The fields net/http adds go after the handler's, in this order.
	if !w.hasDate {
		h = append(h, "Date: "...)
		h = appendDate(h)
		h = append(h, "\r\n"...)
	}
	if autoCL {
		h = append(h, "Content-Length: "...)
		h = strconv.AppendInt(h, int64(len(p)), 10)
		h = append(h, "\r\n"...)
	}
	if ctype != "" {
		h = append(h, "Content-Type: "...)
		h = append(h, ctype...)
		h = append(h, "\r\n"...)
	}
	if connection != "" {
		h = append(h, "Connection: "...)
		h = append(h, connection...)
		h = append(h, "\r\n"...)
	}
	if te != "" {
		h = append(h, "Transfer-Encoding: "...)
		h = append(h, te...)
		h = append(h, "\r\n"...)
	}
	h = append(h, "\r\n"...)
	_, _ = w.bw.Write(h) // an error sticks in bw; Finish reports it
	b.head = h[:0]
}

// writeInformational writes a 1xx head at once, with the handler's header
// as it is, but for the length fields, and without Date, as net/http does.
func (w *Writer) writeInformational(code int) {
	b := w.bufs()
	h := appendStatusLine(b.head[:0], code)
	var arr [16]keyValues
	kvs := arr[:0]
	for k, vv := range w.header {
		if k == "Content-Length" || k == "Transfer-Encoding" {
			continue
		}
		kvs = append(kvs, keyValues{k, vv})
	}
	sortKeyValues(kvs)
	for _, kv := range kvs {
		h = appendFields(h, kv)
	}
	h = append(h, "\r\n"...)
	_, _ = w.bw.Write(h)
	_ = w.bw.Flush()
	b.head = h[:0]
}

// writeTrailers ends a chunked body: the last chunk and the trailer
// section (RFC 9112 §7.1.2). The trailers are net/http's finalTrailers:
// the "Trailer:"-prefixed keys of the map as it is now, then the declared
// names' values appended.
func (w *Writer) writeTrailers() {
	b := w.bufs()
	h := append(b.head[:0], "0\r\n"...)
	var arr [8]keyValues
	kvs := arr[:0]
	for k, vv := range w.header {
		if kk, ok := strings.CutPrefix(k, http.TrailerPrefix); ok {
			kvs = append(kvs, keyValues{kk, vv})
		}
	}
	for _, k := range w.trailers {
		vv := w.header[k]
		if len(vv) == 0 {
			continue
		}
		i := 0
		for i < len(kvs) && kvs[i].key != k {
			i++
		}
		if i == len(kvs) {
			kvs = append(kvs, keyValues{k, nil})
		}
		// A fresh array: the handler's slice stays as it is.
		kvs[i].values = append(kvs[i].values[:len(kvs[i].values):len(kvs[i].values)], vv...)
	}
	sortKeyValues(kvs)
	for _, kv := range kvs {
		h = appendFields(h, kv)
	}
	h = append(h, "\r\n"...)
	_, _ = w.bw.Write(h)
	b.head = h[:0]
}

type keyValues struct {
	key    string
	values []string
}

// sortKeyValues sorts by key in byte order, as net/http's sortedKeyValues;
// an insertion sort, for a response's few keys, does not allocate.
func sortKeyValues(kvs []keyValues) {
	if len(kvs) > 16 {
		slices.SortFunc(kvs, func(a, b keyValues) int { return strings.Compare(a.key, b.key) })
		return
	}
	for i := 1; i < len(kvs); i++ {
		for j := i; j > 0 && kvs[j].key < kvs[j-1].key; j-- {
			kvs[j], kvs[j-1] = kvs[j-1], kvs[j]
		}
	}
}

// order is sortKeyValues for the head's hot path: up to 16 keys it sorts
// indexes in ob (moving a byte, not a key and its values) and returns
// them; beyond, it sorts kvs itself and returns nil.
func order(kvs []keyValues, ob *[16]uint8) []uint8 {
	if len(kvs) > len(ob) {
		sortKeyValues(kvs)
		return nil
	}
	ord := ob[:len(kvs)]
	for i := range ord {
		ord[i] = uint8(i)
		for j := i; j > 0 && kvs[ord[j]].key < kvs[ord[j-1]].key; j-- {
			ord[j], ord[j-1] = ord[j-1], ord[j]
		}
	}
	return ord
}

// appendFields appends one field line per value, as net/http's
// Header.WriteSubset: an invalid field name is skipped (RFC 9110 §5.1),
// CR and LF in a value become spaces and the value is trimmed of
// whitespace (RFC 9110 §5.5 forbids them; net/http neutralizes them).
func appendFields(h []byte, kv keyValues) []byte {
	if len(kv.values) == 0 || !httpguts.ValidHeaderFieldName(kv.key) {
		return h
	}
	for _, v := range kv.values {
		// Trimming first and replacing after gives what net/http's
		// replace-then-trim gives: CR and LF are both in the trim set.
		v = trimString(v)
		h = append(h, kv.key...)
		h = append(h, ": "...)
		i := 0
		for i < len(v) && v[i] != '\r' && v[i] != '\n' {
			i++
		}
		h = append(h, v[:i]...)
		for ; i < len(v); i++ {
			c := v[i]
			if c == '\r' || c == '\n' {
				c = ' '
			}
			h = append(h, c)
		}
		h = append(h, "\r\n"...)
	}
	return h
}

// appendStatusLine appends the RFC 9112 §4 status line, with net/http's
// reason phrases and its "status code N" for unknown codes.
func appendStatusLine(h []byte, code int) []byte {
	h = append(h, "HTTP/1.1 "...)
	h = strconv.AppendInt(h, int64(code), 10)
	if text := http.StatusText(code); text != "" {
		h = append(h, ' ')
		h = append(h, text...)
	} else {
		h = append(h, " status code "...)
		h = strconv.AppendInt(h, int64(code), 10)
	}
	return append(h, "\r\n"...)
}

// dateEntry is the formatted Date (RFC 9110 §5.6.7 IMF-fixdate) of one
// second; it is replaced, not changed, when the second passes.
type dateEntry struct {
	sec int64
	b   [len(http.TimeFormat)]byte
}

var dateCache atomic.Pointer[dateEntry]

func appendDate(h []byte) []byte {
	now := time.Now()
	sec := now.Unix()
	d := dateCache.Load()
	if d == nil || d.sec != sec {
		d = &dateEntry{sec: sec}
		now.UTC().AppendFormat(d.b[:0], http.TimeFormat)
		dateCache.Store(d)
	}
	return append(h, d.b[:]...)
}

func get(h http.Header, key string) string {
	return first(h[key])
}

func first(vv []string) string {
	if len(vv) > 0 {
		return vv[0]
	}
	return ""
}

// trimString is net/textproto's TrimString: ASCII space, tab, CR and LF
// off both ends.
func trimString(s string) string {
	for len(s) > 0 && isASCIISpace(s[0]) {
		s = s[1:]
	}
	for len(s) > 0 && isASCIISpace(s[len(s)-1]) {
		s = s[:len(s)-1]
	}
	return s
}

func isASCIISpace(b byte) bool { return b == ' ' || b == '\t' || b == '\n' || b == '\r' }

// hasToken is net/http's: whether v contains token as a comma, space or
// tab separated element, ASCII case-insensitively.
func hasToken(v, token string) bool {
	if len(token) > len(v) || token == "" {
		return false
	}
	if v == token {
		return true
	}
	for sp := 0; sp <= len(v)-len(token); sp++ {
		if b := v[sp]; b != token[0] && b|0x20 != token[0] {
			continue
		}
		if sp > 0 && !isTokenBoundary(v[sp-1]) {
			continue
		}
		if end := sp + len(token); end != len(v) && !isTokenBoundary(v[end]) {
			continue
		}
		if asciiEqualFold(v[sp:sp+len(token)], token) {
			return true
		}
	}
	return false
}

func isTokenBoundary(b byte) bool { return b == ' ' || b == ',' || b == '\t' }

func asciiEqualFold(s, t string) bool {
	if len(s) != len(t) {
		return false
	}
	for i := 0; i < len(s); i++ {
		if lower(s[i]) != lower(t[i]) {
			return false
		}
	}
	return true
}

func lower(b byte) byte {
	if 'A' <= b && b <= 'Z' {
		return b + ('a' - 'A')
	}
	return b
}
