package routing

// Params holds the wildcard values of the route a request matched
// (":name" segments, "*name" remainders, "*" of PathSubtree). The zero value
// is ready; reusing one Params across requests (Reset in between) makes
// Match allocation-free.
//
// Match appends to Params, so values of a loopback re-match are added to
// those of the outer route; Get returns the innermost value of a name.
type Params struct {
	names  []string
	values []string
}

// Get returns the value of the wildcard name, or "" when there is none.
func (p *Params) Get(name string) string {
	for i := len(p.names) - 1; i >= 0; i-- {
		if p.names[i] == name {
			return p.values[i]
		}
	}
	return ""
}

// Len is the number of values held.
func (p *Params) Len() int { return len(p.names) }

// At returns the i-th name and value in the order they were matched.
func (p *Params) At(i int) (name, value string) { return p.names[i], p.values[i] }

// Reset empties p, keeping its storage.
func (p *Params) Reset() {
	clear(p.names)
	clear(p.values)
	p.names = p.names[:0]
	p.values = p.values[:0]
}

// Truncate drops the values appended after the first n, e.g. those of a
// loopback route once it returned.
func (p *Params) Truncate(n int) {
	if n >= len(p.names) {
		return
	}
	clear(p.names[n:])
	clear(p.values[n:])
	p.names = p.names[:n]
	p.values = p.values[:n]
}
