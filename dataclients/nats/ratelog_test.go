package nats

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"github.com/sirupsen/logrus"

	"github.com/skiff-proxy/skiff/dataclients/nats/transport"
)

// Rejected messages and ignored options are limited separately: an
// accepted message with a bad option is never counted as rejected.
func TestRateLimitedLogsAreSeparate(t *testing.T) {
	var buf bytes.Buffer
	log := logrus.New()
	log.SetOutput(&buf)
	now := time.Unix(0, 0)
	clock := func() time.Time { return now }
	c, err := New(Options{Log: log, Now: clock, NoDamping: true})
	if err != nil {
		t.Fatal(err)
	}
	for range 5 {
		c.handle(transport.Message{Subject: transport.SubjectRegister, Data: []byte(`{"host":"10.0.0.1","port":1,"uris":["a.test"],"options":{"loadbalancing":1}}`)})
	}
	c.handle(transport.Message{Subject: transport.SubjectRegister, Data: []byte(`{"port":"x"}`)})
	now = now.Add(2 * time.Second)
	c.handle(transport.Message{Subject: transport.SubjectRegister, Data: []byte(`{"host":"10.0.0.1","port":1,"uris":["a.test"],"options":{"loadbalancing":1}}`)})
	out := buf.String()
	if !strings.Contains(out, "4 more options ignored") || strings.Contains(out, "more messages rejected") {
		t.Errorf("log:\n%s", out)
	}
	if got := c.Stats().Rejected; got != 1 {
		t.Errorf("rejected %d, want 1", got)
	}
}
