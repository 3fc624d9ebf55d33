package httpsyntax

import (
	"strconv"
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
