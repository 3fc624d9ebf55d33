package httpsyntax

import (
	"net/textproto"
	"strconv"
	"strings"
	"testing"
)

func TestParseLengthLikeStrconv(t *testing.T) {
	for _, s := range []string{"", "0", "42", "007", "+1", "-1", " 1", "1 ", "1a", "9223372036854775807",
		"9223372036854775808", "18446744073709551615", "18446744073709551616", "99999999999999999999"} {
		want, err := strconv.ParseUint(s, 10, 63)
		got, ok := ParseLength(s)
		if ok != (err == nil) || (ok && uint64(got) != want) {
			t.Errorf("ParseLength(%q) = %d, %v; strconv: %d, %v", s, got, ok, want, err)
		}
		if gb, okb := ParseLength([]byte(s)); gb != got || okb != ok {
			t.Errorf("ParseLength([]byte(%q)) differs from the string form", s)
		}
	}
}

func FuzzParseLength(f *testing.F) {
	f.Add("123")
	f.Fuzz(func(t *testing.T, s string) {
		want, err := strconv.ParseUint(s, 10, 63)
		got, ok := ParseLength(s)
		if ok != (err == nil) || (ok && uint64(got) != want) {
			t.Fatalf("ParseLength(%q) = %d, %v; strconv: %d, %v", s, got, ok, want, err)
		}
	})
}

func TestTokenAndValueBytes(t *testing.T) {
	if !IsToken([]byte("Content-Length")) || IsToken([]byte("a b")) || IsToken(nil) || IsToken([]byte("a:")) {
		t.Error("IsToken")
	}
	for c := 0; c < 256; c++ {
		want := c == '\t' || (c >= 0x20 && c != 0x7f)
		if ValueByte(byte(c)) != want {
			t.Errorf("ValueByte(%#x)", c)
		}
	}
}

func TestCanonicalKey(t *testing.T) {
	common := map[string]string{"Content-Type": "Content-Type"}
	for _, tc := range []struct {
		in, want string
		ok       bool
	}{
		{"content-type", "Content-Type", true},
		{"X-Already", "X-Already", true},
		{"x-LOWER-upper", "X-Lower-Upper", true},
		{"x-" + strings.Repeat("A", 100), "X-A" + strings.Repeat("a", 99), true},
		{"", "", false},
		{"a b", "", false},
		{"a:", "", false},
	} {
		got, ok := CanonicalKey(tc.in, common, make([]byte, 0, 64))
		if got != tc.want || ok != tc.ok {
			t.Errorf("CanonicalKey(%q) = %q, %v; want %q, %v", tc.in, got, ok, tc.want, tc.ok)
		}
	}
	var buf [64]byte
	if n := testing.AllocsPerRun(100, func() { _, _ = CanonicalKey("content-type", common, buf[:0]) }); n != 0 {
		t.Errorf("a common name: %v allocations", n)
	}
	if n := testing.AllocsPerRun(100, func() { _, _ = CanonicalKey("X-Already", common, buf[:0]) }); n != 0 {
		t.Errorf("a canonical name: %v allocations", n)
	}
}

// FuzzCanonicalKey: for every token, net/textproto's canonical form.
func FuzzCanonicalKey(f *testing.F) {
	f.Add("content-LENGTH")
	f.Fuzz(func(t *testing.T, s string) {
		got, ok := CanonicalKey(s, nil, nil)
		if ok != IsToken([]byte(s)) {
			t.Fatalf("CanonicalKey(%q) ok %v", s, ok)
		}
		if ok && got != textproto.CanonicalMIMEHeaderKey(s) {
			t.Fatalf("CanonicalKey(%q) = %q, net/textproto %q", s, got, textproto.CanonicalMIMEHeaderKey(s))
		}
	})
}
