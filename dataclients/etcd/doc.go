// Package etcd is the etcd data client: routes kept in etcd (v3 API), one
// key per route, <prefix>/routes/<id>, each value one eskip route
// expression. Client.Run pushes them as the full set, then follows a watch
// and pushes the changes; Client's Load, Upsert, Delete and Reset are the
// store operations of "skiff etcd". Embedded runs a single-member etcd
// inside the process for "-etcd-urls embedded" and for tests (see
// package etcdtest). docs/etcd.md describes the behaviour for operators.
package etcd
