package gorouter

import (
	"encoding/json"
	"io"
	"testing"

	"github.com/sirupsen/logrus"

	"github.com/skiff-proxy/skiff/dataclients/nats"
)

// newClient is a NATS client that is never connected: tests feed it
// messages with Apply.
func newClient(t testing.TB, o nats.Options) *nats.Client {
	t.Helper()
	log := logrus.New()
	log.SetOutput(io.Discard)
	o.Log, o.NoDamping, o.IndexKey = log, true, IndexKey
	c, err := nats.New(o)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// register applies a router.register of msg.
func register(t testing.TB, c *nats.Client, msg map[string]any) {
	t.Helper()
	b, err := json.Marshal(msg)
	if err != nil {
		t.Fatal(err)
	}
	c.Apply("router.register", b)
}
