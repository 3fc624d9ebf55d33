package etcdtest_test

import (
	"context"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/skiff-proxy/skiff/dataclients/etcd/etcdtest"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// TestRestartKeepsDataAndEndpoints: what outage tests rely on.
func TestRestartKeepsDataAndEndpoints(t *testing.T) {
	srv := etcdtest.Start(t)
	endpoints := srv.Endpoints()
	c := etcdtest.Client(t, srv)
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	if _, err := c.Put(ctx, "/k", "v"); err != nil {
		t.Fatal(err)
	}

	etcdtest.Stop(t, srv)
	short, cancelShort := context.WithTimeout(ctx, 300*time.Millisecond)
	_, err := c.Get(short, "/k")
	cancelShort()
	if err == nil {
		t.Fatal("a read succeeded while the server was stopped")
	}

	etcdtest.Restart(t, srv)
	if got := srv.Endpoints(); len(got) != 1 || got[0] != endpoints[0] {
		t.Fatalf("endpoints after restart: %v, before: %v", got, endpoints)
	}
	resp, err := c.Get(ctx, "/k")
	if err != nil {
		t.Fatal(err)
	}
	if len(resp.Kvs) != 1 || string(resp.Kvs[0].Value) != "v" {
		t.Fatalf("after restart: %v", resp.Kvs)
	}
}
