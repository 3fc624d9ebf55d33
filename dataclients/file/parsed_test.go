package file

import (
	"testing"

	"github.com/skiff-proxy/skiff/eskip"
)

// A file parsed before the client started is not parsed again by its
// first read; anything else is.
func TestReuseParsed(t *testing.T) {
	pre := []*eskip.Route{{Id: "pre"}}
	calls := 0
	parse := reuseParsed(map[string]Parsed{"a.eskip": {Text: []byte("text"), Routes: pre}},
		func(source string, text []byte) ([]*eskip.Route, error) {
			calls++
			return []*eskip.Route{{Id: source + ":" + string(text)}}, nil
		})
	if r, _ := parse("a.eskip", []byte("text")); len(r) != 1 || r[0] != pre[0] || calls != 0 {
		t.Fatalf("first read of the same text: %v, %d parses", r, calls)
	}
	if r, _ := parse("a.eskip", []byte("text")); r[0] == pre[0] || calls != 1 {
		t.Errorf("second read reused the routes: %v, %d parses", r, calls)
	}
	parse = reuseParsed(map[string]Parsed{"a.eskip": {Text: []byte("old"), Routes: pre}},
		func(string, []byte) ([]*eskip.Route, error) { calls++; return nil, nil })
	if r, _ := parse("a.eskip", []byte("new")); r != nil || calls != 2 {
		t.Errorf("changed text reused the routes: %v, %d parses", r, calls)
	}
	if r, _ := parse("b.eskip", []byte("old")); r != nil || calls != 3 {
		t.Errorf("another file reused the routes: %v, %d parses", r, calls)
	}
}
