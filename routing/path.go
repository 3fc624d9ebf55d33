package routing

import (
	"errors"
	"fmt"
	"path"
	"strings"
)

// cleanPath normalises a URL path the way route and request paths are
// compared: "//" collapsed, "." and ".." resolved, leading "/" ensured, ""
// becomes "/", a trailing "/" kept. Already clean paths are returned as is,
// without allocating.
func cleanPath(p string) string {
	if p == "" {
		return "/"
	}
	if isClean(p) {
		return p
	}
	c := p
	if c[0] != '/' {
		c = "/" + c
	}
	c = path.Clean(c)
	if p[len(p)-1] == '/' && c != "/" {
		c += "/"
	}
	return c
}

func isClean(p string) bool {
	if p[0] != '/' {
		return false
	}
	// Look at every segment start: an empty segment in the middle, "." or
	// ".." need cleaning. A trailing empty segment (trailing slash) is fine.
	for i := 0; i < len(p); i++ {
		if p[i] != '/' {
			continue
		}
		rest := p[i+1:]
		if rest == "" {
			return true
		}
		if rest[0] == '/' {
			return false
		}
		if rest[0] == '.' {
			if len(rest) == 1 || rest[1] == '/' {
				return false
			}
			if rest[1] == '.' && (len(rest) == 2 || rest[2] == '/') {
				return false
			}
		}
	}
	return true
}

// stripTrailingSlash removes one trailing "/" except from "/" itself.
func stripTrailingSlash(p string) string {
	if len(p) > 1 && p[len(p)-1] == '/' {
		return p[:len(p)-1]
	}
	return p
}

// segment kinds of a route path pattern.
const (
	segStatic = iota
	segParam  // :name, one non-empty segment
	segFree   // *name or **, the non-empty remainder
)

type patternSegment struct {
	kind int
	text string // static text, or the wildcard's name
}

var errFreeNotLast = errors.New("free wildcard param should be last")

// parsePattern splits a cleaned route path into segments. A trailing "/" is
// an empty last static segment, so "/" is one empty segment.
func parsePattern(p string) ([]patternSegment, error) {
	n := strings.Count(p, "/")
	out := make([]patternSegment, 0, n)
	rest := p[1:]
	for i := 0; i < n; i++ {
		s := rest
		if j := strings.IndexByte(rest, '/'); j >= 0 {
			s, rest = rest[:j], rest[j+1:]
		}
		switch {
		case strings.HasPrefix(s, ":"):
			name := s[1:]
			if strings.ContainsAny(name, ":*") {
				return nil, fmt.Errorf("path %q: * or : in middle of path component", p)
			}
			out = append(out, patternSegment{segParam, name})
		case strings.HasPrefix(s, "*"):
			name := s[1:]
			if name == "" || name == "*" {
				// "**" is the anonymous free wildcard; an unnamed "*" is
				// treated the same.
				name = "*"
			} else if strings.ContainsAny(name, ":*") {
				return nil, fmt.Errorf("path %q: * or : in middle of path component", p)
			}
			if i != n-1 {
				return nil, fmt.Errorf("path %q: %w", p, errFreeNotLast)
			}
			out = append(out, patternSegment{segFree, name})
		default:
			if strings.ContainsAny(s, ":*") {
				return nil, fmt.Errorf("path %q: * or : in middle of path component", p)
			}
			out = append(out, patternSegment{segStatic, s})
		}
	}
	return out, nil
}
