package config

import (
	"context"

	"github.com/skiff-proxy/skiff/dataclients"
	"github.com/skiff-proxy/skiff/dataclients/etcd"
	"github.com/skiff-proxy/skiff/eskip"
)

// etcdStore is the part of the etcd client that skiff etcd uses. The
// commands depend on it rather than on the client so that their media,
// validation and messages are tested without an etcd.
type etcdStore interface {
	// Load returns every route under the prefix, and the keys whose
	// value does not parse.
	Load(ctx context.Context) ([]*eskip.Route, []dataclients.InvalidRoute, int64, error)
	Upsert(ctx context.Context, routes []*eskip.Route) error
	// Delete removes the ids' keys; a missing key is not an error.
	Delete(ctx context.Context, ids []string) error
	// Reset makes the keys hold exactly routes, writing only what
	// changed.
	Reset(ctx context.Context, routes []*eskip.Route) (put, deleted int, err error)
	Close() error
}

// etcdDialer makes the etcd client; a client connects on its first
// request.
type etcdDialer func(etcd.Options) (etcdStore, error)
