package etcd

import "testing"

func TestResyncPushesTheDifference(t *testing.T) {
	const shunt, status = `* -> <shunt>`, `* -> status(204) -> <shunt>`
	entries := func(kv ...string) snapshot {
		var s snapshot
		for i := 0; i < len(kv); i += 2 {
			s.entries = append(s.entries, entry{key: "/p/routes/" + kv[i], id: kv[i], value: kv[i+1]})
		}
		return s
	}
	for _, tc := range []struct {
		name    string
		started bool
		sent    map[string]string
		read    snapshot
		reset   bool
		want    string
	}{
		{"first read is the whole set", false, nil, entries("a", shunt, "b", "* ->"), true,
			"upserts [a:* -> <shunt>] deletes [] invalid [b]"},
		{"first read of nothing is still pushed", false, nil, entries(), true,
			"upserts [] deletes [] invalid []"},
		{"later read: only the difference", true,
			map[string]string{"same": shunt, "changed": shunt, "gone": shunt, "fixed": "* ->"},
			entries("same", shunt, "changed", status, "fixed", shunt, "new", shunt), false,
			"upserts [changed:* -> status(204) -> <shunt> fixed:* -> <shunt> new:* -> <shunt>] deletes [gone] invalid []"},
		{"later read, nothing changed", true, map[string]string{"a": shunt}, entries("a", shunt), false,
			"upserts [] deletes [] invalid []"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := testRunner(t)
			r.started = tc.started
			for id, v := range tc.sent {
				r.sent[id] = v
			}
			u := r.resync(tc.read)
			if u.Reset != tc.reset {
				t.Errorf("Reset %v, want %v", u.Reset, tc.reset)
			}
			if got := summary(u); got != tc.want {
				t.Errorf("got  %s\nwant %s", got, tc.want)
			}
			if len(r.sent) != len(tc.read.entries) {
				t.Errorf("remembers %d values, want the %d read", len(r.sent), len(tc.read.entries))
			}
		})
	}
}
