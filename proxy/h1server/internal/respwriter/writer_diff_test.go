package respwriter

import (
	"testing"
)

var (
	get_      = reqSpec{method: "GET"}
	head      = reqSpec{method: "HEAD"}
	getClose  = reqSpec{method: "GET", close: true}
	getNoKA   = reqSpec{method: "GET", keepAlivesOff: true}
	post10    = reqSpec{method: "POST", bodyLen: 10}
	post0     = reqSpec{method: "POST"}
	postChunk = reqSpec{method: "POST", bodyLen: 10, chunked: true}
	put3000   = reqSpec{method: "PUT", bodyLen: 3000}
	post300K  = reqSpec{method: "POST", bodyLen: 300 << 10}
	post10Cls = reqSpec{method: "POST", bodyLen: 10, close: true}
)

type diffCase struct {
	name string
	req  reqSpec
	prog program
}

var diffCases = []diffCase{
	{"nothing", get_, nil},
	{"nothing HEAD", head, nil},
	{"WriteHeader 200", get_, program{writeHeader(200)}},
	{"WriteHeader 404", get_, program{writeHeader(404)}},
	{"WriteHeader 599 unknown", get_, program{writeHeader(599)}},
	{"WriteHeader 999 unknown", get_, program{writeHeader(999)}},
	{"superfluous WriteHeader", get_, program{writeHeader(201), writeHeader(404), write(5, "text")}},
	{"sniff text", get_, program{write(100, "text")}},
	{"sniff html", get_, program{write(100, "html")}},
	{"sniff html after spaces", get_, program{write(100, "spacehtml")}},
	{"sniff binary", get_, program{write(100, "binary")}},
	{"explicit Content-Type", get_, program{set("Content-Type", "text/html"), write(100, "binary")}},
	{"Content-Type nil", get_, program{setNil("Content-Type"), write(100, "html")}},
	{"Content-Encoding no sniff", get_, program{set("Content-Encoding", "gzip"), write(100, "html")}},
	{"body 2047", get_, program{write(2047, "text")}},
	{"body 2048", get_, program{write(2048, "text")}},
	{"body 2049", get_, program{write(2049, "text")}},
	{"body 2047+1", get_, program{write(2047, "text"), write(1, "text")}},
	{"body 2048+1", get_, program{write(2048, "text"), write(1, "text")}},
	{"body 1000+2049", get_, program{write(1000, "text"), write(2049, "text")}},
	{"body 9000", get_, program{write(9000, "binary")}},
	{"WriteString 9000", get_, program{writeString(9000, "text")}},
	{"WriteString 1000+3000", get_, program{writeString(1000, "text"), writeString(3000, "text")}},
	{"Content-Length right", get_, program{set("Content-Length", "5"), write(5, "text")}},
	{"Content-Length short", get_, program{set("Content-Length", "10"), write(5, "text")}},
	{"Content-Length long", get_, program{set("Content-Length", "5"), write(10, "text"), write(1, "text")}},
	{"Content-Length 2048 chunked-size body", get_, program{set("Content-Length", "2048"), write(2049, "text")}},
	{"Content-Length invalid", get_, program{set("Content-Length", "abc"), write(5, "text")}},
	{"Content-Length invalid HEAD", head, program{set("Content-Length", "abc"), write(5, "text")}},
	{"Content-Length plus", get_, program{set("Content-Length", "+3"), write(1, "text")}},
	{"Content-Length negative", get_, program{set("Content-Length", "-1"), write(5, "text")}},
	{"Flush first", get_, program{flush()}},
	{"Flush first then body", get_, program{flush(), write(5, "text")}},
	{"Flush after write", get_, program{write(5, "text"), flush(), write(10, "text"), write(100, "html")}},
	{"Flush twice", get_, program{write(5, "html"), flush(), flush(), write(5, "text"), flush()}},
	{"Flush with Content-Length", get_, program{set("Content-Length", "10"), write(5, "text"), flush(), write(5, "text")}},
	{"HEAD small", head, program{write(100, "text")}},
	{"HEAD large", head, program{write(5000, "text")}},
	{"HEAD Content-Length", head, program{set("Content-Length", "10")}},
	{"HEAD Content-Length written", head, program{set("Content-Length", "10"), write(10, "text")}},
	{"HEAD Content-Length short", head, program{set("Content-Length", "10"), write(5, "text")}},
	{"HEAD flush", head, program{write(5, "text"), flush(), write(5, "text")}},
	{"HEAD chunked", head, program{set("Transfer-Encoding", "chunked"), write(5, "text")}},
	{"204", get_, program{set("Content-Type", "text/html"), set("Content-Length", "5"), writeHeader(204)}},
	{"204 write", get_, program{writeHeader(204), write(5, "text")}},
	{"304", get_, program{set("Content-Type", "text/html"), set("Content-Length", "5"), set("X-A", "v"), writeHeader(304)}},
	{"304 write", get_, program{writeHeader(304), write(5, "text"), write(0, "text")}},
	{"304 Transfer-Encoding", get_, program{set("Transfer-Encoding", "chunked"), writeHeader(304)}},
	{"103 then 200", get_, program{set("Link", "</style.css>; rel=preload"), writeHeader(103), set("Content-Type", "text/html"), writeHeader(200), write(5, "text")}},
	{"103 with lengths", get_, program{set("Link", "</style.css>; rel=preload"), set("Content-Length", "5"), set("Date", "handler-date"), writeHeader(103), writeHeader(103), write(5, "text")}},
	{"100 102 199", get_, program{writeHeader(100), writeHeader(102), writeHeader(199)}},
	{"101 Upgrade", get_, program{set("Connection", "Upgrade"), set("Upgrade", "websocket"), writeHeader(101)}},
	{"101 Upgrade keepalives off", getNoKA, program{set("Connection", "Upgrade"), set("Upgrade", "websocket"), writeHeader(101)}},
	{"101 Upgrade request close", getClose, program{set("Connection", "Upgrade"), set("Upgrade", "websocket"), writeHeader(101)}},
	{"declared trailers", get_, program{set("Trailer", "X-A, X-B"), writeHeader(200), write(5, "text"), set("X-A", "v"), add("X-B", "a\r\nb"), add("X-B", "5")}},
	{"declared trailers small", get_, program{set("Trailer", "X-A"), set("X-A", "close"), write(5, "text")}},
	{"declared trailer not allowed", get_, program{set("Trailer", "Cache-Control, X-B"), write(5, "text"), set("Cache-Control", "v"), set("X-B", "v")}},
	{"declared trailer lower", get_, program{set("Trailer", "X-A"), add("Trailer", "X-C"), write(5, "text"), set("X-A", "v"), set("Trailer:X-C", "5"), set("Trailer:x-d", "10")}},
	{"declared trailer empty", get_, program{set("Trailer", ""), write(5, "text")}},
	{"prefix trailers", get_, program{write(5, "text"), flush(), set("Trailer:X-C", "v"), set("Trailer:x-d", "a\r\nb")}},
	{"prefix trailers before", get_, program{set("Trailer:X-C", "v"), write(5, "text")}},
	{"prefix trailers unflushed", get_, program{write(5, "text"), set("Trailer:X-C", "v")}},
	{"trailers HEAD", head, program{set("Trailer", "X-A"), write(5, "text"), set("X-A", "v")}},
	{"handler Connection close", get_, program{set("Connection", "close"), write(5, "text")}},
	{"handler Connection Close", get_, program{set("Connection", "Close"), write(5, "text")}},
	{"handler Connection keep-alive, close", get_, program{set("Connection", "keep-alive, close"), write(5, "text")}},
	{"handler Connection close keepalives off", getNoKA, program{set("Connection", "close"), write(5, "text")}},
	{"handler Connection close request close", getClose, program{set("Connection", "close"), write(5, "text")}},
	{"handler Connection keep-alive request close", getClose, program{set("Connection", "keep-alive"), write(5, "text")}},
	{"keepalives off", getNoKA, program{write(5, "text")}},
	{"TE chunked", get_, program{set("Transfer-Encoding", "chunked"), write(5, "text")}},
	{"TE chunked with CL", get_, program{set("Transfer-Encoding", "chunked"), set("Content-Length", "5"), write(5, "text")}},
	{"TE identity", get_, program{set("Transfer-Encoding", "identity"), write(5, "text")}},
	{"TE identity with CL", get_, program{set("Transfer-Encoding", "identity"), set("Content-Length", "5"), write(5, "text")}},
	{"TE gzip", get_, program{set("Transfer-Encoding", "gzip"), write(5, "text")}},
	{"TE 204", get_, program{set("Transfer-Encoding", "chunked"), writeHeader(204)}},
	{"invalid name", get_, program{set("Bad Key", "v"), set("x-lower", "v"), write(5, "text")}},
	{"values with CR LF", get_, program{set("X-A", "a\r\nb"), set("X-B", " sp "), add("X-B", "\tx\n"), add("X-B", ""), write(5, "text")}},
	{"handler Date", get_, program{set("Date", "handler-date"), write(5, "text")}},
	{"Date nil", get_, program{setNil("Date"), write(5, "text")}},
	{"request close", getClose, program{write(5, "text")}},
	{"request close nothing", getClose, nil},
	{"POST unread", post10, program{write(5, "text")}},
	{"POST unread nothing", post10, nil},
	{"POST read", post10, program{readBody(10), write(5, "text")}},
	{"POST read more", post10, program{readBody(100), readBody(5), write(5, "text")}},
	{"POST read after head", post10, program{flush(), readBody(10)}},
	{"POST closed", post10, program{closeBody(), write(5, "text"), readBody(1)}},
	{"POST half read, closed", post10, program{readBody(5), closeBody(), write(5, "text")}},
	{"POST 0", post0, program{write(5, "text")}},
	{"POST chunked unread", postChunk, program{write(5, "text")}},
	{"POST chunked read", postChunk, program{readBody(10), readBody(1), write(5, "text")}},
	{"POST close unread", post10Cls, program{write(5, "text")}},
	{"PUT 3000 unread", put3000, program{write(5, "text")}},
	{"PUT 3000 full duplex", put3000, program{fullDuplex(), write(5, "text"), flush(), readBody(1000)}},
	{"POST 300K unread", post300K, program{write(5, "text")}},
	{"POST 300K unread Connection header", post300K, program{set("Connection", "keep-alive, close"), write(5, "text")}},
	{"POST 300K unread 101", post300K, program{set("Connection", "Upgrade"), set("Upgrade", "websocket"), writeHeader(101)}},
	{"POST 300K full duplex", post300K, program{fullDuplex(), write(5, "text")}},
	{"set through old map after WriteHeader", get_, program{setRef("X-A", "v"), writeHeader(200), setRef("X-B", "v"), set("Content-Type", "text/html"), write(5, "text")}},
	{"set after Write", get_, program{write(5, "text"), set("Content-Type", "text/html"), set("X-A", "v")}},
	{"del after WriteHeader", get_, program{set("X-A", "v"), set("Content-Length", "abc"), writeHeader(200), del("X-A"), write(5, "text")}},
	{"copy small", get_, program{copyBody(100, 10)}},
	{"copy 512", get_, program{copyBody(512, 100)}},
	{"copy large", get_, program{copyBody(5000, 1000)}},
	{"copy large with CL", get_, program{set("Content-Length", "5000"), copyBody(5000, 1000)}},
	{"copy large with short CL", get_, program{set("Content-Length", "1000"), copyBody(5000, 1000)}},
	{"copy after write", get_, program{write(5, "text"), copyBody(3000, 100)}},
	{"copy HEAD", head, program{copyBody(3000, 2048)}},
	{"copy 304", get_, program{writeHeader(304), copyBody(3000, 2048)}},
	{"copy after flush with CL", get_, program{set("Content-Length", "3000"), flush(), copyBody(3000, 100)}},
	{"hijack first", get_, program{set("X-A", "v"), hijack()}},
	{"hijack after WriteHeader", get_, program{set("X-A", "v"), writeHeader(404), hijack()}},
	{"hijack after small write", get_, program{write(5, "text"), hijack()}},
	{"hijack after flush", get_, program{write(5, "text"), flush(), write(10, "text"), hijack()}},
	{"hijack after large write", get_, program{write(3000, "text"), hijack()}},
	{"hijack after 103", get_, program{set("Link", "</style.css>; rel=preload"), writeHeader(103), hijack()}},
	{"hijack POST unread", post10, program{write(5, "text"), hijack()}},
	{"hijack 101", get_, program{set("Connection", "Upgrade"), set("Upgrade", "websocket"), writeHeader(101), hijack()}},
}

func init() {
	// More keys than snapshot sorts on the stack.
	var all, allTrailers program
	for _, k := range keys {
		all = append(all, add(k, "v"), add(k, "a\r\nb"))
		allTrailers = append(allTrailers, set(k, "5"))
	}
	diffCases = append(diffCases,
		diffCase{"all keys", get_, append(all, write(5, "text"))},
		diffCase{"all keys 103", get_, append(all, writeHeader(103), write(5, "text"))},
		diffCase{"all keys as trailers", get_, append(program{set("Trailer", "X-A, X-B"), add("Trailer", "X-C"), write(5, "text"), flush()}, allTrailers...)},
	)
}

func TestWriterDiff(t *testing.T) {
	for _, transport := range []string{"tcp", "pipe"} {
		t.Run(transport, func(t *testing.T) {
			srv := newServers(t, transport == "pipe")
			for _, c := range diffCases {
				t.Run(c.name, func(t *testing.T) {
					srv.diff(t, c.prog, c.req)
				})
			}
		})
	}
}

// FuzzWriterDiff runs decoded handler programs under net/http's server (on
// net.Pipe connections) and under a Writer.
func FuzzWriterDiff(f *testing.F) {
	for _, c := range diffCases {
		if data := encode(c.req, c.prog); data != nil {
			f.Add(data)
		}
	}
	srv := newServers(f, true)
	srv.get(false) // both now: f.Cleanup cannot be called inside the target
	srv.get(true)
	f.Fuzz(func(t *testing.T, data []byte) {
		rq, p := decode(data)
		srv.diff(t, p, rq)
	})
}

func TestEncodeDecode(t *testing.T) {
	n := 0
	for _, c := range diffCases {
		data := encode(c.req, c.prog)
		if data == nil {
			continue
		}
		n++
		rq, p := decode(data)
		if rq != c.req || p.String() != c.prog.String() {
			t.Errorf("%s: decode(encode) = %v %v", c.name, rq, p)
		}
	}
	if n < len(diffCases)-5 {
		t.Errorf("only %d of %d cases are seeds", n, len(diffCases))
	}
}
