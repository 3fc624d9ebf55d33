package body

import (
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"testing/iotest"

	"github.com/skiff-proxy/skiff/filters/filtertest"
)

// served runs the filter's request phase and returns what it served.
func served(t *testing.T, name string, args ...any) (*http.Response, string) {
	t.Helper()
	f := filtertest.Create(t, spec(t, name), args...)
	ctx := filtertest.NewContext(httptest.NewRequest("GET", "/", nil))
	f.Request(ctx)
	if !ctx.Served() {
		t.Fatalf("%s%v: not served", name, args)
	}
	rsp := ctx.FResponse
	f.Response(ctx)
	return rsp, filtertest.Body(t, rsp)
}

func TestRandomContent(t *testing.T) {
	for _, n := range []int{0, 1, 42, 1000, 100_000} {
		rsp, body := served(t, "randomContent", float64(n))
		if rsp.StatusCode != 200 || len(body) != n || rsp.ContentLength != int64(n) ||
			rsp.Header.Get("Content-Length") != strconv.Itoa(n) {
			t.Errorf("%d: status %d, %d bytes, length %d / %q", n, rsp.StatusCode, len(body), rsp.ContentLength, rsp.Header.Get("Content-Length"))
		}
		if strings.Trim(body, alphanumeric) != "" {
			t.Errorf("%d: not alphanumeric: %q", n, body)
		}
	}
	// every character is used, each about as often
	_, body := served(t, "randomContent", 62_000.0)
	counts := map[rune]int{}
	for _, c := range body {
		counts[c]++
	}
	for _, c := range alphanumeric {
		if counts[c] < 800 || counts[c] > 1200 {
			t.Errorf("%c: %d times in 62000", c, counts[c])
		}
	}
	// two answers differ
	if _, a := served(t, "randomContent", 32.0); a == body[:32] {
		t.Error("same content twice")
	}
	// skipper's rules: a fraction is dropped, a negative length is 0
	if _, b := served(t, "randomContent", 2.9); len(b) != 2 {
		t.Errorf("2.9: %d bytes", len(b))
	}
	if rsp, b := served(t, "randomContent", -5.0); len(b) != 0 || rsp.Header.Get("Content-Length") != "0" {
		t.Errorf("-5: %d bytes", len(b))
	}
	// small reads
	f := filtertest.Create(t, spec(t, "randomContent"), 100.0)
	ctx := filtertest.NewContext(httptest.NewRequest("GET", "/", nil))
	f.Request(ctx)
	if b, err := io.ReadAll(iotest.OneByteReader(ctx.FResponse.Body)); err != nil || len(b) != 100 {
		t.Errorf("one-byte reads: %d, %v", len(b), err)
	}
}

func TestRepeatContent(t *testing.T) {
	for _, tc := range []struct {
		name string
		args []any
		want string
	}{
		// skipper's examples
		{"repeatContent", []any{"I will not waste chalk. ", 1000.0}, strings.Repeat("I will not waste chalk. ", 42)[:1000]},
		{"repeatContentHex", []any{"00", 100.0}, strings.Repeat("\x00", 100)},
		{"repeatContentHex", []any{"68657861646563696d616c", 11.0}, "hexadecimal"},
		{"repeatContent", []any{"0, ", 297.0}, strings.Repeat("0, ", 99)},
		{"repeatContent", []any{"abc", 0.0}, ""},
		{"repeatContent", []any{"abc", 2.0}, "ab"},
		{"repeatContent", []any{"abc", 7}, "abcabca"},
		{"repeatContent", []any{"abc", int64(100_000)}, strings.Repeat("abc", 33334)[:100_000]},
		{"repeatContentHex", []any{"FF00", 5.0}, "\xff\x00\xff\x00\xff"},
	} {
		rsp, body := served(t, tc.name, tc.args...)
		if body != tc.want || rsp.StatusCode != 200 || rsp.ContentLength != int64(len(tc.want)) ||
			rsp.Header.Get("Content-Length") != strconv.Itoa(len(tc.want)) {
			t.Errorf("%s%q: status %d, body %q (%d bytes), length %q", tc.name, tc.args, rsp.StatusCode, body[:min(len(body), 40)], len(body), rsp.Header.Get("Content-Length"))
		}
	}
	// reads of any size see the same bytes
	for _, size := range []int{1, 2, 3, 5, 7, 64} {
		f := filtertest.Create(t, spec(t, "repeatContent"), "abcdefg", 1000.0)
		ctx := filtertest.NewContext(httptest.NewRequest("GET", "/", nil))
		f.Request(ctx)
		var got []byte
		buf := make([]byte, size)
		for {
			n, err := ctx.FResponse.Body.Read(buf)
			got = append(got, buf[:n]...)
			if err != nil {
				break
			}
		}
		if string(got) != strings.Repeat("abcdefg", 143)[:1000] {
			t.Errorf("reads of %d: %q", size, got)
		}
	}
}

func TestWrapContent(t *testing.T) {
	for _, tc := range []struct {
		name          string
		args          []any
		method        string
		status        int
		header        string // Content-Length of the response, "" for none
		length        int64
		body, want    string
		wantHeader    string
		wantLength    int64
		bodyUntouched bool
	}{
		// skipper's examples
		{name: "wrapContent", args: []any{"foo", "baz"}, method: "GET", status: 200, header: "3", length: 3, body: "bar",
			want: "foobarbaz", wantHeader: "9", wantLength: 9},
		{name: "wrapContentHex", args: []any{"68657861", "6d616c"}, method: "GET", status: 200, header: "4", length: 4,
			body: "deci", want: "hexadecimal", wantHeader: "11", wantLength: 11},
		{name: "wrapContent", args: []any{"[", "0]"}, method: "GET", status: 200, length: -1, body: "0, 0, ",
			want: "[0, 0, 0]", wantLength: -1},
		// a length known only from the field
		{name: "wrapContent", args: []any{"<", ">"}, method: "GET", status: 200, length: 1, body: "x", want: "<x>", wantLength: 3},
		{name: "wrapContent", args: []any{"", ""}, method: "GET", status: 200, header: "1", length: 1, body: "x", want: "x", wantHeader: "1", wantLength: 1},
		{name: "wrapContent", args: []any{"<", ">"}, method: "GET", status: 404, header: "0", length: 0, body: "", want: "<>", wantHeader: "2", wantLength: 2},
		// HEAD: the length of the GET answer, no body
		{name: "wrapContent", args: []any{"<", ">"}, method: "HEAD", status: 200, header: "5", length: 5, body: "",
			want: "", wantHeader: "7", wantLength: 7, bodyUntouched: true},
		// no body at all
		{name: "wrapContent", args: []any{"<", ">"}, method: "GET", status: 304, header: "5", length: 5, body: "",
			want: "", wantHeader: "5", wantLength: 5, bodyUntouched: true},
		{name: "wrapContent", args: []any{"<", ">"}, method: "GET", status: 204, length: 0, body: "",
			want: "", wantLength: 0, bodyUntouched: true},
	} {
		f := filtertest.Create(t, spec(t, tc.name), tc.args...)
		ctx := filtertest.NewContext(httptest.NewRequest(tc.method, "/", nil))
		f.Request(ctx)
		src := &closeRecorder{Reader: strings.NewReader(tc.body)}
		h := http.Header{}
		if tc.header != "" {
			h.Set("Content-Length", tc.header)
		}
		ctx.FResponse = &http.Response{StatusCode: tc.status, Header: h, ContentLength: tc.length, Body: src}
		f.Response(ctx)
		rsp := ctx.FResponse
		if tc.bodyUntouched != (rsp.Body == src) {
			t.Errorf("%s%q %s %d: body %T", tc.name, tc.args, tc.method, tc.status, rsp.Body)
		}
		body := filtertest.Body(t, rsp)
		if body != tc.want || rsp.Header.Get("Content-Length") != tc.wantHeader || rsp.ContentLength != tc.wantLength || !src.closed {
			t.Errorf("%s%q %s %d: body %q, length %q / %d, closed %v", tc.name, tc.args, tc.method, tc.status,
				body, rsp.Header.Get("Content-Length"), rsp.ContentLength, src.closed)
		}
	}
	f := filtertest.Create(t, spec(t, "wrapContent"), "a", "b")
	f.Response(filtertest.NewContext(httptest.NewRequest("GET", "/", nil))) // no response: no panic
}

// TestContentChain: skipper's example of a JSON array of 100 zeros.
func TestContentChain(t *testing.T) {
	wrap := filtertest.Create(t, spec(t, "wrapContent"), "[", "0]")
	repeat := filtertest.Create(t, spec(t, "repeatContent"), "0, ", 297.0)
	ctx := filtertest.NewContext(httptest.NewRequest("GET", "/", nil))
	wrap.Request(ctx)
	repeat.Request(ctx)
	repeat.Response(ctx)
	wrap.Response(ctx)
	body := filtertest.Body(t, ctx.FResponse)
	if body != "["+strings.Repeat("0, ", 99)+"0]" || ctx.FResponse.Header.Get("Content-Length") != "300" {
		t.Errorf("%q, %v", body, ctx.FResponse.Header)
	}
}

func TestContentArgs(t *testing.T) {
	for _, tc := range []struct {
		filter string
		args   []any
		bad    string
	}{
		{"randomContent", []any{42.0}, ""},
		{"randomContent", []any{42}, ""},
		{"randomContent", nil, "want 1 argument(s), got 0"},
		{"randomContent", []any{"42"}, "argument 1 (length) must be a number"},
		{"randomContent", []any{1e300}, "argument 1 (length) must be a number of bytes below 2^53"},
		{"repeatContent", []any{"x", 5.0}, ""},
		{"repeatContent", []any{"x"}, "want 2 argument(s), got 1"},
		{"repeatContent", []any{"", 5.0}, "argument 1 (content to repeat) must not be empty"},
		{"repeatContent", []any{1.0, 5.0}, "argument 1 (content to repeat) must be a string"},
		{"repeatContent", []any{"x", -1.0}, "argument 2 (length) must not be negative"},
		{"repeatContent", []any{"x", "5"}, "argument 2 (length) must be a number"},
		{"repeatContentHex", []any{"0a", 5.0}, ""},
		{"repeatContentHex", []any{"", 5.0}, "must not be empty"},
		{"repeatContentHex", []any{"abc", 5.0}, `argument 1 (content to repeat) "abc" is not hexadecimal`},
		{"wrapContent", []any{"", ""}, ""},
		{"wrapContent", []any{"a"}, "want 2 argument(s), got 1"},
		{"wrapContent", []any{"a", 1.0}, "argument 2 (suffix) must be a string"},
		{"wrapContentHex", []any{"00", ""}, ""},
		{"wrapContentHex", []any{"0g", "00"}, `argument 1 (prefix) "0g" is not hexadecimal`},
		{"wrapContentHex", []any{"00", "0"}, `argument 2 (suffix) "0" is not hexadecimal`},
	} {
		filtertest.CheckCreate(t, spec(t, tc.filter), tc.args, tc.bad)
	}
}

func BenchmarkRandomContent(b *testing.B) {
	f := filtertest.Create(b, spec(b, "randomContent"), float64(1<<20))
	b.SetBytes(1 << 20)
	b.ReportAllocs()
	for b.Loop() {
		ctx := filtertest.NewContext(httptest.NewRequest("GET", "/", nil))
		f.Request(ctx)
		io.Copy(io.Discard, ctx.FResponse.Body)
	}
}
