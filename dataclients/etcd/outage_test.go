package etcd_test

import (
	"testing"
	"time"

	"github.com/sirupsen/logrus"

	"github.com/skiff-proxy/skiff/dataclients/etcd"
	"github.com/skiff-proxy/skiff/dataclients/etcd/etcdtest"
)

func TestServerRestart(t *testing.T) {
	srv := etcdtest.Start(t)
	kv := etcdtest.Client(t, srv)
	writer := etcdtest.Client(t, srv) // a second client, as another tool would be
	const p = "/skipper"
	put(t, kv, p+"/routes/a", `Path("/a") -> <shunt>`)
	put(t, kv, p+"/routes/b", `Path("/b") -> <shunt>`)
	h := start(t, srv, etcd.Options{Prefix: p})
	h.waitForServer(kv)

	// Changes right before the stop, which the watch may or may not see.
	put(t, writer, p+"/routes/c", `Path("/c") -> <shunt>`)
	del(t, writer, p+"/routes/a")
	etcdtest.Stop(t, srv)
	stopped := time.Now()
	wait := func(what string, cond func() bool) {
		t.Helper()
		for !cond() {
			if time.Since(stopped) > 15*time.Second {
				t.Fatalf("waiting for %s", what)
			}
			time.Sleep(10 * time.Millisecond)
		}
	}
	wait("the client to notice the outage", func() bool { _, connected := h.c.LastContact(); return !connected })
	t.Logf("outage noticed after %v", time.Since(stopped).Round(time.Millisecond))
	time.Sleep(300 * time.Millisecond) // a few failed reads
	during, _ := h.snapshot()
	if len(during.routes) == 0 {
		t.Fatalf("routes withdrawn during the outage: %v", during)
	}

	etcdtest.Restart(t, srv)
	put(t, writer, p+"/routes/d", `Path("/d") -> <shunt>`)
	put(t, writer, p+"/routes/b", `Path("/b2") -> <shunt>`)
	h.waitForServer(kv)
	wait("the client to be connected", func() bool { _, connected := h.c.LastContact(); return connected })
	if at, _ := h.c.LastContact(); at.Before(stopped) {
		t.Errorf("last contact %v is before the outage ended", at)
	}

	_, updates := h.snapshot()
	for i, u := range updates[1:] {
		if u.Reset {
			t.Errorf("Update %d has Reset: %+v; only the first may", i+1, u)
		}
	}
}

func TestStartWhileEtcdIsDown(t *testing.T) {
	srv := etcdtest.Start(t)
	kv := etcdtest.Client(t, srv)
	put(t, kv, "/skipper/routes/r", `* -> <shunt>`)
	etcdtest.Stop(t, srv)

	h := start(t, srv, etcd.Options{Prefix: "/skipper"})
	time.Sleep(700 * time.Millisecond)
	if _, updates := h.snapshot(); len(updates) != 0 {
		t.Fatalf("pushed %+v while etcd was down", updates)
	}
	if at, connected := h.c.LastContact(); connected || !at.IsZero() {
		t.Errorf("LastContact %v, %v before any contact; want zero, false", at, connected)
	}
	if countLogs(h, logrus.WarnLevel, srv.Endpoints()[0]) == 0 {
		t.Error("no warning naming the endpoint")
	}

	etcdtest.Restart(t, srv)
	h.waitFor("the routes", func(s state) bool { return s.routes["r"] != "" })
	if _, updates := h.snapshot(); !updates[0].Reset {
		t.Errorf("first Update %+v without Reset", updates[0])
	}
}
