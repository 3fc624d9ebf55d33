package file

import (
	"sync"
)

// preParsed holds the files parsed before the client started
// (Options.Parsed). An entry is taken once, by the file's first read:
// later reads are changes, and the routes must not be handed out twice.
type preParsed struct {
	mu   sync.Mutex
	left map[string]Parsed
}

func newPreParsed(done map[string]Parsed) *preParsed {
	left := make(map[string]Parsed, len(done))
	for k, v := range done {
		left[k] = v
	}
	return &preParsed{left: left}
}

// take returns and forgets the entry of path; nil if there is none.
func (p *preParsed) take(path string) *Parsed {
	if p == nil {
		return nil
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	e, ok := p.left[path]
	if !ok {
		return nil
	}
	delete(p.left, path)
	return &e
}
