package e2e

import (
	"bytes"
	"context"
	"io"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/skiff-proxy/skiff"
	"github.com/skiff-proxy/skiff/config"
	"github.com/skiff-proxy/skiff/dataclients/etcd"
	"github.com/skiff-proxy/skiff/dataclients/etcd/etcdtest"
)

func etcdPut(t *testing.T, srv *etcd.Embedded, id, value string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if _, err := etcdtest.Client(t, srv).Put(ctx, "/skipper/routes/"+id, value); err != nil {
		t.Fatalf("put %s: %v", id, err)
	}
}

func etcdDelete(t *testing.T, srv *etcd.Embedded, id string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if _, err := etcdtest.Client(t, srv).Delete(ctx, "/skipper/routes/"+id); err != nil {
		t.Fatalf("delete %s: %v", id, err)
	}
}

func (in *instance) supportGet(t *testing.T, path string) string {
	t.Helper()
	rsp, err := in.client.Get(in.support + path)
	if err != nil {
		t.Fatal(err)
	}
	defer rsp.Body.Close()
	b, _ := io.ReadAll(rsp.Body)
	return string(b)
}

// TestEtcdRoutes: skiff serves the routes under /skipper/routes/ of a real
// etcd next to a routes file, and follows puts and deletes; a value that
// does not parse is listed as invalid with its key, and the last good
// version of its route serves on until it is fixed.
func TestEtcdRoutes(t *testing.T) {
	srv := etcdtest.Start(t)
	etcdPut(t, srv, "hello", `Path("/hello") -> inlineContent("hello from etcd") -> <shunt>`)
	in := start(t, routes(`file: Path("/file") -> inlineContent("from the file") -> <shunt>;`),
		skiff.Options{Etcd: etcd.Options{Endpoints: srv.Endpoints()}})

	if r := in.get(t, "/hello"); r.status != 200 || r.body != "hello from etcd" {
		t.Fatalf("/hello: %d %q", r.status, r.body)
	}
	if r := in.get(t, "/file"); r.status != 200 {
		t.Fatalf("/file: %d", r.status)
	}
	etcdPut(t, srv, "bye", `Path("/bye") -> inlineContent("bye") -> <shunt>`)
	waitFor(t, func() bool { return in.get(t, "/bye").status == 200 })

	// A broken value: listed with its key, and /hello serves on.
	etcdPut(t, srv, "hello", `Path("/hello") -> inlineContent("broken" -> <shunt>`)
	waitFor(t, func() bool { return strings.Contains(in.supportGet(t, "/routes?invalid=true"), "hello") })
	inv := in.supportGet(t, "/routes?invalid=true")
	if !strings.Contains(inv, "/skipper/routes/hello:1:") || !strings.Contains(inv, "parse_error") || !strings.Contains(inv, "stale") {
		t.Errorf("invalid list %q: want the key, position, reason and that the last version serves", inv)
	}
	if r := in.get(t, "/hello"); r.status != 200 || r.body != "hello from etcd" {
		t.Errorf("/hello while its new value is broken: %d %q", r.status, r.body)
	}
	etcdPut(t, srv, "hello", `Path("/hello") -> inlineContent("fixed") -> <shunt>`)
	waitFor(t, func() bool { return in.get(t, "/hello").body == "fixed" })
	if inv := in.supportGet(t, "/routes?invalid=true"); strings.Contains(inv, "hello") {
		t.Errorf("still listed after the fix: %q", inv)
	}

	etcdDelete(t, srv, "bye")
	waitFor(t, func() bool { return in.get(t, "/bye").status == 404 })
}

// TestEtcdOutageCostsNothing: etcd goes away under load and comes back;
// no request fails, /health says etcd is out of reach while the proxy
// serves on, and a change made after the restart arrives.
func TestEtcdOutageCostsNothing(t *testing.T) {
	srv := etcdtest.Start(t)
	be := newRestartable(t, "be", nil)
	etcdPut(t, srv, "api", `Path("/api") -> <"http://`+be.addr+`">`)
	in := start(t, "", skiff.Options{
		Etcd:                 etcd.Options{Endpoints: srv.Endpoints(), Timeout: 500 * time.Millisecond, DialTimeout: time.Second},
		EtcdUnreachableAfter: time.Second,
	})
	l := startLoad(t, in.url+"/api", 4)
	time.Sleep(300 * time.Millisecond)

	etcdtest.Stop(t, srv)
	waitFor(t, func() bool { return strings.Contains(in.supportGet(t, "/health"), "etcd: unreachable") })
	if rsp, err := in.client.Get(in.support + "/health"); err != nil || rsp.StatusCode != 200 {
		t.Errorf("/health during the outage: %v %v; it stays 200 while the proxy serves", rsp, err)
	} else {
		rsp.Body.Close()
	}
	time.Sleep(500 * time.Millisecond)
	etcdtest.Restart(t, srv)
	etcdPut(t, srv, "later", `Path("/later") -> inlineContent("after the outage") -> <shunt>`)
	waitFor(t, func() bool { return in.get(t, "/later").status == 200 })
	waitFor(t, func() bool { return !strings.Contains(in.supportGet(t, "/health"), "etcd") })

	if f := l.finish(); len(f) > 0 {
		t.Errorf("%d of %d requests failed during the etcd outage: %v", len(f), int64(len(f))+l.ok.Load(), f[:min(len(f), 3)])
	}
	if l.ok.Load() == 0 {
		t.Error("no request was served")
	}
}

// TestEmbeddedEtcd: -etcd-urls embedded runs etcd inside skiff; a route
// written to it with "skiff etcd upsert" is served, and it is still there
// after skiff restarts with the same data directory.
func TestEmbeddedEtcd(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "etcd")
	addr := deadAddress(t) // a free loopback port
	opts := skiff.Options{Etcd: etcd.Options{Endpoints: []string{"embedded"}}, EtcdDataDir: dir, EtcdEmbeddedAddress: addr}
	in := start(t, routes(`file: Path("/file") -> <shunt>;`), opts)

	var stdout, stderr bytes.Buffer
	code := config.Run(config.Extensions{}, []string{"etcd", "upsert", "-etcd-urls", "http://" + addr,
		"-routes", `hi: Path("/hi") -> inlineContent("hi from embedded") -> <shunt>;`}, strings.NewReader(""), &stdout, &stderr)
	if code != 0 {
		t.Fatalf("skiff etcd upsert: exit %d: %s", code, stderr.String())
	}
	waitFor(t, func() bool { return in.get(t, "/hi").body == "hi from embedded" })
	in.stop(t)

	again := start(t, routes(`file: Path("/file") -> <shunt>;`), opts)
	if r := again.get(t, "/hi"); r.body != "hi from embedded" {
		t.Errorf("after a restart: %d %q", r.status, r.body)
	}
}
