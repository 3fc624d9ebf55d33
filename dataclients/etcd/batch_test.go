package etcd

import (
	"fmt"
	"io"
	"testing"

	"github.com/sirupsen/logrus"
	"go.etcd.io/etcd/api/v3/mvccpb"
	clientv3 "go.etcd.io/etcd/client/v3"

	"github.com/skiff-proxy/skiff/dataclients"
)

func TestBatchUpdate(t *testing.T) {
	putEv := func(id, v string) *clientv3.Event {
		return &clientv3.Event{Type: mvccpb.PUT, Kv: &mvccpb.KeyValue{Key: []byte("/p/routes/" + id), Value: []byte(v)}}
	}
	delEv := func(id string) *clientv3.Event {
		return &clientv3.Event{Type: mvccpb.DELETE, Kv: &mvccpb.KeyValue{Key: []byte("/p/routes/" + id)}}
	}
	const shunt, status = `* -> <shunt>`, `* -> status(204) -> <shunt>`
	for _, tc := range []struct {
		name   string
		sent   map[string]string // values pushed before
		events []*clientv3.Event
		want   string // the Update, summarised
	}{
		{"later put wins", nil,
			[]*clientv3.Event{putEv("a", shunt), putEv("a", status)},
			"upserts [a:* -> status(204) -> <shunt>] deletes [] invalid []"},
		{"put then delete of a new id is nothing", nil,
			[]*clientv3.Event{putEv("a", shunt), delEv("a")},
			"upserts [] deletes [] invalid []"},
		{"delete then put", map[string]string{"a": shunt},
			[]*clientv3.Event{delEv("a"), putEv("a", status)},
			"upserts [a:* -> status(204) -> <shunt>] deletes [] invalid []"},
		{"put then delete of a known id", map[string]string{"a": shunt},
			[]*clientv3.Event{putEv("a", status), delEv("a")},
			"upserts [] deletes [a] invalid []"},
		{"the value pushed already", map[string]string{"a": shunt},
			[]*clientv3.Event{putEv("a", shunt)},
			"upserts [] deletes [] invalid []"},
		{"bad, then fixed in the same batch", nil,
			[]*clientv3.Event{putEv("a", "* ->"), putEv("a", shunt)},
			"upserts [a:* -> <shunt>] deletes [] invalid []"},
		{"fixed, then bad in the same batch", map[string]string{"a": shunt},
			[]*clientv3.Event{putEv("a", status), putEv("a", "* ->")},
			"upserts [] deletes [] invalid [a]"},
		{"deeper keys ignored", nil,
			[]*clientv3.Event{putEv("a/b", shunt), putEv("", shunt)},
			"upserts [] deletes [] invalid []"},
		{"ids in key order", nil,
			[]*clientv3.Event{putEv("b", shunt), putEv("a", shunt)},
			"upserts [a:* -> <shunt> b:* -> <shunt>] deletes [] invalid []"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := testRunner(t)
			for id, v := range tc.sent {
				r.sent[id] = v
			}
			b := newBatch()
			b.add(r.Client, tc.events)
			if b.n != len(tc.events) {
				t.Errorf("counted %d events, want %d", b.n, len(tc.events))
			}
			if got := summary(r.update(b)); got != tc.want {
				t.Errorf("got  %s\nwant %s", got, tc.want)
			}
		})
	}
}

func testRunner(t *testing.T) *runner {
	t.Helper()
	log := logrus.New()
	log.SetOutput(io.Discard)
	c, err := New(Options{Endpoints: []string{"http://127.0.0.1:1"}, Prefix: "/p", Log: log})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return &runner{Client: c, sent: map[string]string{}, badLogged: map[string]string{}, warned: map[string]bool{}}
}

func summary(u dataclients.Update) string {
	var ups, inv []string
	for _, r := range u.Upserts {
		ups = append(ups, r.Id+":"+r.String())
	}
	for _, i := range u.Invalid {
		inv = append(inv, i.Id)
	}
	return fmt.Sprintf("upserts %v deletes %v invalid %v", ups, u.Deletes, inv)
}
