package auth

import (
	"bytes"
	"encoding/json"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"
)

// member and orderedObject are a JSON object whose members keep their
// order, for values whose JSON form skipper fixed by a Go struct.
type member struct {
	key   string
	value any
}

type orderedObject []member

func (o orderedObject) MarshalJSON() ([]byte, error) {
	var b bytes.Buffer
	b.WriteByte('{')
	for i, m := range o {
		if i > 0 {
			b.WriteByte(',')
		}
		k, _ := json.Marshal(m.key)
		b.Write(k)
		b.WriteByte(':')
		v, err := json.Marshal(m.value)
		if err != nil {
			return nil, err
		}
		b.Write(v)
	}
	b.WriteByte('}')
	return b.Bytes(), nil
}

// pathPart is one dot-separated part of a field path.
type pathPart struct {
	key  string // unescaped
	pat  []patRune
	wild bool // has an unescaped * or ?
}

type patRune struct {
	r       rune
	literal bool // escaped, or not a wildcard
}

// parsePath splits a forwardTokenField path the way GJSON (which skipper
// uses) does for plain paths: parts separated by '.', '\' escaping the
// next character, '*' and '?' as wildcards in object keys, a number
// indexing an array, '#' counting an array or, followed by more parts,
// collecting them from each element. It returns false for GJSON syntax
// beyond that (queries "#(...)", modifiers "@...", pipes "|",
// multipaths), which then find nothing.
func parsePath(path string) ([]pathPart, bool) {
	if path == "" || path[0] == '@' || path[0] == '[' || path[0] == '{' || path[0] == '!' {
		return nil, false
	}
	var parts []pathPart
	var cur pathPart
	var key strings.Builder
	for i := 0; i < len(path); {
		r, n := utf8.DecodeRuneInString(path[i:])
		i += n
		switch r {
		case '\\':
			if i < len(path) {
				r, n = utf8.DecodeRuneInString(path[i:])
				i += n
			}
			key.WriteRune(r)
			cur.pat = append(cur.pat, patRune{r, true})
		case '.':
			cur.key = key.String()
			parts = append(parts, cur)
			cur, key = pathPart{}, strings.Builder{}
		case '|':
			return nil, false
		case '*', '?':
			cur.wild = true
			key.WriteRune(r)
			cur.pat = append(cur.pat, patRune{r, false})
		default:
			key.WriteRune(r)
			cur.pat = append(cur.pat, patRune{r, true})
		}
	}
	cur.key = key.String()
	parts = append(parts, cur)
	for _, p := range parts {
		if strings.HasPrefix(p.key, "#(") {
			return nil, false
		}
	}
	return parts, true
}

// lookupPath returns the value at path in v (decoded JSON, or an
// orderedObject) as GJSON's Result.String renders it: strings as they
// are, numbers, true and false as JSON, null as "", objects and arrays
// as compact JSON.
func lookupPath(v any, path string) (string, bool) {
	parts, ok := parsePath(path)
	if !ok {
		return "", false
	}
	res, ok := walk(v, parts)
	if !ok {
		return "", false
	}
	switch x := res.(type) {
	case nil:
		return "", true
	case string:
		return x, true
	case bool:
		return strconv.FormatBool(x), true
	}
	b, err := json.Marshal(res)
	if err != nil {
		return "", false
	}
	return string(b), true
}

func walk(v any, parts []pathPart) (any, bool) {
	if len(parts) == 0 {
		return v, true
	}
	p, rest := parts[0], parts[1:]
	switch x := v.(type) {
	case map[string]any:
		if !p.wild {
			val, ok := x[p.key]
			if !ok {
				return nil, false
			}
			return walk(val, rest)
		}
		// JSON encoding writes map keys sorted; GJSON takes the first match
		keys := make([]string, 0, len(x))
		for k := range x {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		for _, k := range keys {
			if p.matches(k) {
				if res, ok := walk(x[k], rest); ok {
					return res, true
				}
			}
		}
	case orderedObject:
		for _, m := range x {
			if (p.wild && p.matches(m.key)) || (!p.wild && m.key == p.key) {
				if res, ok := walk(m.value, rest); ok {
					return res, true
				}
			}
		}
	case []any:
		if p.key == "#" && !p.wild {
			if len(rest) == 0 {
				return float64(len(x)), true
			}
			out := []any{}
			for _, e := range x {
				if res, ok := walk(e, rest); ok {
					out = append(out, res)
				}
			}
			return out, true
		}
		if p.wild || p.key == "" || strings.Trim(p.key, "0123456789") != "" {
			return nil, false
		}
		i, err := strconv.Atoi(p.key)
		if err != nil || i >= len(x) {
			return nil, false
		}
		return walk(x[i], rest)
	}
	return nil, false
}

// matches reports whether key matches the part's wildcard pattern.
func (p pathPart) matches(key string) bool {
	return globMatch(p.pat, key)
}

func globMatch(pat []patRune, s string) bool {
	for len(pat) > 0 {
		c := pat[0]
		switch {
		case !c.literal && c.r == '*':
			for len(pat) > 0 && !pat[0].literal && pat[0].r == '*' {
				pat = pat[1:]
			}
			if len(pat) == 0 {
				return true
			}
			for i := 0; i <= len(s); {
				if globMatch(pat, s[i:]) {
					return true
				}
				if i == len(s) {
					break
				}
				_, n := utf8.DecodeRuneInString(s[i:])
				i += n
			}
			return false
		case !c.literal && c.r == '?':
			if s == "" {
				return false
			}
			_, n := utf8.DecodeRuneInString(s)
			s, pat = s[n:], pat[1:]
		default:
			r, n := utf8.DecodeRuneInString(s)
			if s == "" || r != c.r {
				return false
			}
			s, pat = s[n:], pat[1:]
		}
	}
	return s == ""
}
