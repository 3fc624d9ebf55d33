package skiff

import (
	"context"
	"fmt"
	"net"
	"time"

	"github.com/sirupsen/logrus"

	"github.com/skiff-proxy/skiff/dataclients/nats"
)

// startNATSStatus opens gorouter's status listener for the NATS routes,
// when there are NATS routes and it is not switched off ("-"). The
// returned function closes it.
func startNATSStatus(client *nats.Client, so nats.StatusOptions, healthy func() bool, log logrus.FieldLogger) (func(), error) {
	if client == nil || (so.Address == "-" && so.Listener == nil) {
		return func() {}, nil
	}
	srv := client.StatusHandler(healthy)
	addr := so.Address
	var a net.Addr
	var err error
	if so.Listener != nil {
		a, err = srv.StartListener(so.Listener)
	} else {
		a, err = srv.Start(addr)
	}
	if err != nil {
		return nil, fmt.Errorf("nats status listener %s: %w", addr, err)
	}
	log.Infof("nats status listener (/health, /routes) on %s", a)
	return func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = srv.Shutdown(ctx)
	}, nil
}
