package frontconn

import (
	"bufio"
	"errors"
	"io"
	"net"
	"net/http"
	"os"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"
)

type probe struct {
	name     string
	raw      string
	h2c      bool     // server speaks h2c and Config.H2C is on
	statuses []int    // responses, in order; -2: HTTP/2 frames
	guard    bool     // the last response is the guard's refusal
	closed   bool     // the connection must be closed after them
	seen     []string // requests the handler saw
}

const host = "Host: a\r\n"

var probes = []probe{
	{
		name:     "CL.TE",
		raw:      "POST / HTTP/1.1\r\n" + host + "Content-Length: 40\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\nGET /SMUGGLED HTTP/1.1\r\n" + host + "\r\n",
		statuses: []int{400}, guard: true, closed: true,
	},
	{
		name:     "TE.CL",
		raw:      "POST / HTTP/1.1\r\n" + host + "Transfer-Encoding: chunked\r\nContent-Length: 4\r\n\r\n5c\r\nGPOST / HTTP/1.1\r\n\r\n0\r\n\r\n",
		statuses: []int{400}, guard: true, closed: true,
	},
	{
		name:     "TE on obs-fold",
		raw:      "POST / HTTP/1.1\r\n" + host + "Content-Length: 6\r\nX-Pad: a\r\n Transfer-Encoding: chunked\r\n\r\n0\r\n\r\nGET /SMUGGLED HTTP/1.1\r\n" + host + "\r\n",
		statuses: []int{400}, guard: true, closed: true,
	},
	{
		name:     "TE value on obs-fold",
		raw:      "POST / HTTP/1.1\r\n" + host + "Transfer-Encoding:\r\n chunked\r\n\r\n0\r\n\r\n",
		statuses: []int{400}, guard: true, closed: true,
	},
	{
		name:     "obs-fold elsewhere",
		raw:      "GET / HTTP/1.1\r\n" + host + "X-A: b\r\n\tc\r\n\r\n",
		statuses: []int{400}, guard: true, closed: true,
	},
	{
		name:     "whitespace line after request line",
		raw:      "GET / HTTP/1.1\r\n " + host + "\r\n",
		statuses: []int{400}, guard: true, closed: true,
	},
	{
		name:     "HTTP/1.0 TE and CL",
		raw:      "POST / HTTP/1.0\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\nGET /SMUGGLED HTTP/1.0\r\n\r\n",
		statuses: []int{400}, guard: true, closed: true,
	},
	{
		name:     "HTTP/1.0 TE",
		raw:      "POST / HTTP/1.0\r\nTransfer-Encoding: chunked\r\nConnection: keep-alive\r\n\r\n1e\r\nGET /SMUGGLED HTTP/1.0\r\n\r\n\r\n0\r\n\r\n",
		statuses: []int{400}, guard: true, closed: true,
	},
	{
		name:     "space before colon",
		raw:      "POST / HTTP/1.1\r\n" + host + "Content-Length : 5\r\n\r\nhello",
		statuses: []int{400}, guard: true, closed: true,
	},
	{
		name:     "duplicate differing CL",
		raw:      "POST / HTTP/1.1\r\n" + host + "Content-Length: 5\r\nContent-Length: 6\r\n\r\nhello!",
		statuses: []int{400}, guard: true, closed: true,
	},
	{
		name:     "CL list",
		raw:      "POST / HTTP/1.1\r\n" + host + "Content-Length: 5, 5\r\n\r\nhello",
		statuses: []int{400}, guard: true, closed: true,
	},
	{
		name:     "TE chunked, identity",
		raw:      "POST / HTTP/1.1\r\n" + host + "Transfer-Encoding: chunked, identity\r\n\r\n0\r\n\r\n",
		statuses: []int{400}, guard: true, closed: true,
	},
	{
		name:     "TE xchunked",
		raw:      "POST / HTTP/1.1\r\n" + host + "Transfer-Encoding: xchunked\r\n\r\n0\r\n\r\n",
		statuses: []int{400}, guard: true, closed: true,
	},
	{
		name:     "two TE lines",
		raw:      "POST / HTTP/1.1\r\n" + host + "Transfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n",
		statuses: []int{400}, guard: true, closed: true,
	},
	{
		name:     "1 MB URL",
		raw:      "GET /" + strings.Repeat("a", 1<<20) + " HTTP/1.1\r\n" + host + "\r\n",
		statuses: []int{414}, guard: true, closed: true,
	},
	{
		name:     "oversized head",
		raw:      "GET / HTTP/1.1\r\n" + host + strings.Repeat("X-Big: "+strings.Repeat("b", 1000)+"\r\n", 1100) + "\r\n",
		statuses: []int{431}, guard: true, closed: true,
	},
	{
		name:     "HTTP/2.0 request line",
		raw:      "GET / HTTP/2.0\r\n" + host + "\r\n",
		statuses: []int{505}, guard: true, closed: true,
	},
	{
		name:     "empty line before request",
		raw:      "\r\nGET / HTTP/1.1\r\n" + host + "\r\n",
		statuses: []int{400}, guard: true, closed: true,
	},
	{
		name:     "pipelined",
		raw:      "GET /1 HTTP/1.1\r\n" + host + "\r\nGET /2 HTTP/1.1\r\n" + host + "\r\nDELETE /3 HTTP/1.1\r\n" + host + "\r\n",
		statuses: []int{200, 200, 200},
		seen:     []string{"GET /1", "GET /2", "DELETE /3"},
	},
	{
		name: "chunked with trailer then GET",
		raw: "POST /c HTTP/1.1\r\n" + host + "Transfer-Encoding: chunked\r\nTrailer: X-T\r\n\r\n" +
			"5\r\nhello\r\n6;ext=1\r\n world\r\n0\r\nX-T: v\r\n\r\nGET /g HTTP/1.1\r\n" + host + "\r\n",
		statuses: []int{200, 200},
		seen:     []string{"POST /c hello world", "GET /g"},
	},
	{
		name: "bare LF",
		raw: "GET /lf HTTP/1.1\n" + host[:len(host)-2] + "\n\nPOST /lf2 HTTP/1.1\nHost: a\nContent-Length: 3\n\nabc" +
			"POST /lf3 HTTP/1.1\nHost: a\nTransfer-Encoding: chunked\n\n3\r\nxyz\r\n0\r\nX-T: 1\n\nGET /lf4 HTTP/1.1\r\nHost: a\r\n\r\n",
		statuses: []int{200, 200, 200, 200},
		seen:     []string{"GET /lf", "POST /lf2 abc", "POST /lf3 xyz", "GET /lf4"},
	},
	{
		name:     "CRLF after POST body",
		raw:      "POST /p HTTP/1.1\r\n" + host + "Content-Length: 2\r\n\r\nab\r\n\r\nGET /q HTTP/1.1\r\n" + host + "\r\n",
		statuses: []int{200, 200},
		seen:     []string{"POST /p ab", "GET /q"},
	},
	{
		name:     "identical duplicate CL",
		raw:      "POST /d HTTP/1.1\r\n" + host + "Content-Length: 3\r\nContent-Length: 3\r\n\r\nabcGET /e HTTP/1.1\r\n" + host + "\r\n",
		statuses: []int{200, 200},
		seen:     []string{"POST /d abc", "GET /e"},
	},
	{
		name:     "HTTP/1.0 keep-alive",
		raw:      "POST /k HTTP/1.0\r\nConnection: keep-alive\r\nContent-Length: 2\r\n\r\nokGET /l HTTP/1.0\r\nConnection: keep-alive\r\n\r\n",
		statuses: []int{200, 200},
		seen:     []string{"POST /k ok", "GET /l"},
	},
	{
		name:     "valid then refused",
		raw:      "GET /1 HTTP/1.1\r\n" + host + "\r\nPOST / HTTP/1.1\r\n" + host + "Content-Length: 4\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n",
		statuses: []int{200, 400}, guard: true, closed: true,
		seen: []string{"GET /1"},
	},
	{
		name:     "OPTIONS * then refused",
		raw:      "OPTIONS * HTTP/1.1\r\n" + host + "\r\nGET / HTTP/1.1\r\n" + host + "X: a\r\n b\r\n\r\n",
		statuses: []int{200, 400}, guard: true, closed: true,
	},
	{
		name:     "bare LF in chunk-size line",
		raw:      "POST /b HTTP/1.1\r\n" + host + "Transfer-Encoding: chunked\r\n\r\n3\nabc\r\n0\r\n\r\nGET /SMUGGLED HTTP/1.1\r\n" + host + "\r\n",
		statuses: []int{200}, closed: true,
		seen: []string{"POST /b !"},
	},
	{
		name:     "h2c preface, H2C off",
		raw:      preface,
		statuses: []int{505}, guard: true, closed: true,
	},
	{
		name:     "h2c preface, H2C on",
		raw:      preface + "\x00\x00\x00\x04\x00\x00\x00\x00\x00",
		h2c:      true,
		statuses: []int{-2},
	},
}

func TestProbes(t *testing.T) {
	for _, p := range probes {
		t.Run(p.name, func(t *testing.T) {
			t.Parallel()
			addr, rec, _ := serveGuarded(t, Config{}, p.h2c)
			c, err := net.Dial("tcp", addr)
			if err != nil {
				t.Fatal(err)
			}
			defer c.Close()
			var wg sync.WaitGroup
			defer wg.Wait()
			defer c.Close()
			wg.Add(1)
			go func() {
				defer wg.Done()
				_, _ = io.WriteString(c, p.raw)
			}()
			_ = c.SetReadDeadline(time.Now().Add(10 * time.Second))
			br := bufio.NewReader(c)
			var got []int
			var last *http.Response
			for range p.statuses {
				if p.statuses[0] == -2 {
					// A SETTINGS frame: 9-byte header, type 4.
					hdr := make([]byte, 9)
					if _, err := io.ReadFull(br, hdr); err != nil {
						t.Fatalf("reading HTTP/2 frame: %v", err)
					}
					if hdr[3] != 4 {
						t.Fatalf("first frame type %d, want SETTINGS", hdr[3])
					}
					got = append(got, -2)
					continue
				}
				rsp, err := http.ReadResponse(br, nil)
				if err != nil {
					t.Fatalf("after %v: %v", got, err)
				}
				_, _ = io.Copy(io.Discard, rsp.Body)
				_ = rsp.Body.Close()
				got = append(got, rsp.StatusCode)
				last = rsp
			}
			if !slices.Equal(got, p.statuses) {
				t.Errorf("statuses %v, want %v", got, p.statuses)
			}
			if p.guard {
				h := last.Header
				if h.Get("X-Content-Type-Options") != "nosniff" || !last.Close ||
					h.Get("Content-Type") != "text/plain; charset=utf-8" {
					t.Errorf("refusal not from the guard: %v", h)
				}
			}
			want := p.seen
			if p.closed {
				// The server must close: EOF or a reset, not a timeout.
				_, err := br.ReadByte()
				if err == nil || errors.Is(err, os.ErrDeadlineExceeded) {
					t.Errorf("connection not closed: %v", err)
				}
			} else if p.statuses[0] != -2 {
				wg.Wait()
				if _, err := io.WriteString(c, "GET /after HTTP/1.1\r\n"+host+"\r\n"); err != nil {
					t.Fatal(err)
				}
				rsp, err := http.ReadResponse(br, nil)
				if err != nil || rsp.StatusCode != 200 {
					t.Fatalf("connection not usable after the probe: %v", err)
				}
				_ = rsp.Body.Close()
				want = append(slices.Clone(want), "GET /after")
			}
			if got := rec.short(); !slices.Equal(got, want) {
				t.Errorf("handler saw %q, want %q", got, want)
			}
		})
	}
}

// TestH2C: with Config.H2C, a client speaking HTTP/2 with prior knowledge
// is served HTTP/2 through the guard, and HTTP/1.1 still works beside it.
func TestH2C(t *testing.T) {
	addr, rec, _ := serveGuarded(t, Config{}, true)
	tr := &http.Transport{Protocols: new(http.Protocols)}
	tr.Protocols.SetUnencryptedHTTP2(true)
	defer tr.CloseIdleConnections()
	rsp, err := (&http.Client{Transport: tr}).Post("http://"+addr+"/h2c", "text/plain", strings.NewReader("body"))
	if err != nil {
		t.Fatal(err)
	}
	_ = rsp.Body.Close()
	tr1 := &http.Transport{}
	defer tr1.CloseIdleConnections()
	rsp1, err := (&http.Client{Transport: tr1}).Get("http://" + addr + "/h1")
	if err != nil {
		t.Fatal(err)
	}
	_ = rsp1.Body.Close()
	got := rec.list()
	if rsp.ProtoMajor != 2 || rsp1.ProtoMajor != 1 || len(got) != 2 ||
		!strings.HasPrefix(got[0].id, "POST /h2c|HTTP/2.0|") || got[0].body != "body" ||
		!strings.HasPrefix(got[1].id, "GET /h1|HTTP/1.1|") {
		t.Fatalf("responses %s %s, handler saw %v", rsp.Proto, rsp1.Proto, got)
	}
}
