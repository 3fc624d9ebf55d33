package file

import (
	"bytes"
	"sync"

	"github.com/skiff-proxy/skiff/eskip"
)

// reuseParsed returns a parse function that answers the first parse of
// each path in done from done, when the text is the one parsed there, and
// parses everything else with parse. An entry is used once and then
// dropped: later reads are changes, and the routes must not be handed out
// twice.
func reuseParsed(done map[string]Parsed, parse parseFunc) parseFunc {
	var mu sync.Mutex
	left := make(map[string]Parsed, len(done))
	for k, v := range done {
		left[k] = v
	}
	return func(source string, text []byte) ([]*eskip.Route, error) {
		mu.Lock()
		p, ok := left[source]
		delete(left, source)
		mu.Unlock()
		if ok && bytes.Equal(p.Text, text) {
			return p.Routes, nil
		}
		return parse(source, text)
	}
}
