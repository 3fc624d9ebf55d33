package body

import (
	"regexp/syntax"
	"unicode"
	"unicode/utf8"
)

// unbounded is what maxMatchLen returns for patterns whose matches can be
// of any length (*, +, {n,}).
const unbounded = -1

// maxMatchLen is the greatest number of bytes a match of the pattern can
// span, or unbounded. The editor uses it to tell which bytes of its window
// no future input can change: a match starting more than that many bytes
// before the end of what it has read ends inside it.
func maxMatchLen(pattern string) int {
	re, err := syntax.Parse(pattern, syntax.Perl)
	if err != nil {
		return unbounded
	}
	n := maxLen(re.Simplify())
	if n > 1<<30 {
		return unbounded
	}
	return n
}

func maxLen(re *syntax.Regexp) int {
	switch re.Op {
	case syntax.OpLiteral:
		n := 0
		for _, r := range re.Rune {
			m := runeLen(r)
			if re.Flags&syntax.FoldCase != 0 {
				// a case variant may be longer in UTF-8 ('k' and
				// the Kelvin sign)
				for f := unicode.SimpleFold(r); f != r; f = unicode.SimpleFold(f) {
					m = max(m, runeLen(f))
				}
			}
			n += m
		}
		return n
	case syntax.OpCharClass:
		n := 0
		for i := 1; i < len(re.Rune); i += 2 {
			n = max(n, runeLen(re.Rune[i]))
		}
		return n
	case syntax.OpAnyChar, syntax.OpAnyCharNotNL:
		return utf8.UTFMax
	case syntax.OpCapture, syntax.OpQuest:
		return maxLen(re.Sub[0])
	case syntax.OpStar, syntax.OpPlus:
		if maxLen(re.Sub[0]) == 0 {
			return 0
		}
		return unbounded
	case syntax.OpRepeat:
		n := maxLen(re.Sub[0])
		switch {
		case n == unbounded:
			return unbounded
		case n == 0:
			return 0
		case re.Max < 0:
			return unbounded
		}
		return saturate(int64(n) * int64(re.Max))
	case syntax.OpConcat:
		var sum int64
		for _, s := range re.Sub {
			n := maxLen(s)
			if n == unbounded {
				return unbounded
			}
			sum += int64(n)
			if sum > 1<<31 {
				return unbounded
			}
		}
		return int(sum)
	case syntax.OpAlternate:
		n := 0
		for _, s := range re.Sub {
			m := maxLen(s)
			if m == unbounded {
				return unbounded
			}
			n = max(n, m)
		}
		return n
	}
	// empty matches and assertions (^, $, \b, \A, \z) consume nothing
	return 0
}

func saturate(n int64) int {
	if n > 1<<31 {
		return unbounded
	}
	return int(n)
}

// runeLen is the UTF-8 length of r; runes that cannot be encoded
// (surrogates) are matched against U+FFFD, 3 bytes.
func runeLen(r rune) int {
	if n := utf8.RuneLen(r); n > 0 {
		return n
	}
	return 3
}
