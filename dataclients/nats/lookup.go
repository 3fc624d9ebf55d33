package nats

import (
	"bytes"
	"strings"
)

// maxKeyBytes bounds the lookup key built on the stack; longer keys are
// built on the heap.
const maxKeyBytes = 512

// lookup finds the pool of a request (spec §5): host without port, then
// the escaped path, normalised as route keys are; the longest
// segment-prefix match among exact hosts, then wildcard hosts from the
// most specific. It returns nil when no pool serves the request.
func (t *table) lookup(host, path string) *pool {
	if i := strings.IndexByte(host, ':'); i >= 0 {
		host = host[:i] // at the first ':', as gorouter cuts
	}
	var buf [maxKeyBytes]byte
	key := appendLower(buf[:0], host)
	key = appendLower(key, path)
	if i := bytes.IndexByte(key, '?'); i >= 0 {
		key = key[:i]
	}
	if n := len(key); n > 0 && key[n-1] == '/' {
		key = key[:n-1]
	}
	// The host is segment 0 of the normalised key, as gorouter splits
	// it: a Host holding a '?' or a '/' must not leave hostLen beyond
	// the key or inside a later segment.
	hostLen := len(key)
	if i := bytes.IndexByte(key, '/'); i >= 0 {
		hostLen = i
	}
	t.mu.RLock()
	defer t.mu.RUnlock()
	if p := t.walk(key, hostLen); p != nil {
		return p
	}
	// Wildcards: replace the left-most label by "*", then strip one label
	// more each time, while a '.' is left in the host.
	host0 := key[:hostLen]
	rest := key[hostLen:]
	var wbuf [maxKeyBytes]byte
	for h := host0; ; {
		dot := bytes.IndexByte(h, '.')
		if dot < 0 {
			return nil
		}
		h = h[dot+1:]
		w := append(wbuf[:0], "*."...)
		w = append(w, h...)
		wHost := len(w)
		w = append(w, rest...)
		if p := t.walk(w, wHost); p != nil {
			return p
		}
	}
}

// walk is step 1 of the lookup: down the key's segments while they are
// nodes, remembering the deepest pool with endpoints; without one, the
// empty pool at the last node visited, if any.
func (t *table) walk(key []byte, hostLen int) *pool {
	var best, last *pool
	end := hostLen
	for {
		prefix := key[:end]
		if t.nodes[string(prefix)] == 0 {
			break
		}
		last = t.pools[string(prefix)]
		if last != nil && len(last.eps) > 0 {
			best = last
		}
		if end >= len(key) {
			break
		}
		// key[end] is the '/' before the next segment.
		j := bytes.IndexByte(key[end+1:], '/')
		if j < 0 {
			end = len(key)
		} else {
			end = end + 1 + j
		}
	}
	if best != nil {
		return best
	}
	return last
}

func appendLower(b []byte, s string) []byte {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if 'A' <= c && c <= 'Z' {
			c += 'a' - 'A'
		}
		b = append(b, c)
	}
	return b
}
