package pipeline

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/skiff-proxy/skiff/dataclients/etcd"
)

// EmbeddedEtcd is the -etcd-urls value that runs an etcd server inside
// skiff, on loopback, for one machine without an etcd installation.
const EmbeddedEtcd = "embedded"

// DefaultEtcdEmbeddedAddress is where the embedded etcd serves clients:
// etcd's own address, which "skiff etcd" and etcdctl try by default.
const DefaultEtcdEmbeddedAddress = "127.0.0.1:2379"

// etcdSource makes the etcd route source of c, if it has endpoints, and
// starts the embedded server first when asked to. The returned function
// stops both.
func etcdSource(c *Config) (*etcd.Client, func(), error) {
	o := c.Etcd
	if len(o.Endpoints) == 0 {
		return nil, func() {}, nil
	}
	if o.Log == nil {
		o.Log = c.Log
	}
	stop := func() {}
	if len(o.Endpoints) == 1 && o.Endpoints[0] == EmbeddedEtcd {
		dir, err := etcdDataDir(c.EtcdDataDir)
		if err != nil {
			return nil, nil, &Error{"etcd-data-dir", err}
		}
		addr := c.EtcdEmbeddedAddress
		if addr == "" {
			addr = DefaultEtcdEmbeddedAddress
		}
		emb, err := etcd.StartEmbeddedAt(dir, addr, o.Log)
		if err != nil {
			return nil, nil, &Error{"etcd-urls", fmt.Errorf("starting the embedded etcd in %s: %w", dir, err)}
		}
		c.Log.Infof("embedded etcd serving on %v, data in %s", emb.Endpoints(), dir)
		o.Endpoints = emb.Endpoints()
		stop = func() { _ = emb.Close() }
	}
	for _, ep := range o.Endpoints {
		if ep == EmbeddedEtcd {
			stop()
			return nil, nil, &Error{"etcd-urls", errors.New(`"embedded" cannot be combined with other endpoints`)}
		}
	}
	client, err := etcd.New(o)
	if err != nil {
		stop()
		return nil, nil, &Error{"etcd-urls", err}
	}
	return client, func() { _ = client.Close(); stop() }, nil
}

// etcdDataDir is dir, or skiff/etcd under the user's cache directory.
func etcdDataDir(dir string) (string, error) {
	if dir != "" {
		return dir, nil
	}
	cache, err := os.UserCacheDir()
	if err != nil {
		return "", fmt.Errorf("no -etcd-data-dir and no user cache directory: %w", err)
	}
	return filepath.Join(cache, "skiff", "etcd"), nil
}

// HealthWarnings returns what /health adds while the proxy serves: that
// the etcd source has been out of reach for longer than after. nil
// without an etcd source.
func (p *Pipeline) HealthWarnings(after time.Duration) func() []string {
	client := p.Etcd
	if client == nil {
		return nil
	}
	started := time.Now()
	return func() []string {
		last, connected := client.LastContact()
		if connected {
			return nil
		}
		if last.IsZero() {
			if time.Since(started) <= after {
				return nil
			}
			return []string{"etcd: unreachable, no contact since the start; serving the routes of the other sources"}
		}
		if since := time.Since(last); since > after {
			return []string{"etcd: unreachable for " + since.Round(time.Second).String() +
				", since " + last.UTC().Format(time.RFC3339) + "; serving the last routes"}
		}
		return nil
	}
}
