package routing

import (
	"hash/maphash"
	"maps"
)

// hostIndex maps exact hosts to their chain of candidates. Most leaves of
// a large table hold one host or a few (one Path per service host), so a
// small index is a slice searched in order: a map per leaf would cost a
// few hundred bytes and an allocation more per route. Past fewHosts it is
// a map, and a large index is split into shards, so that a copy-on-write
// change of the table copies one shard rather than every host of the leaf.
// At most one of few, small and shards is in use.
type hostIndex struct {
	few    []hostEntry
	small  map[string]*entry
	seed   maphash.Seed
	shards []*hostShard // nil unless split
}

type hostEntry struct {
	host  string
	first *entry
}

type hostShard struct{ m map[string]*entry }

const (
	// fewHosts is the most hosts kept in a slice: comparing a Host with
	// this many short strings costs about what hashing it once does.
	fewHosts          = 8
	hostShards        = 64
	defaultShardHosts = 512 // split indexes with more hosts than this
)

func (hi *hostIndex) shard(h string) *hostShard {
	return hi.shards[maphash.String(hi.seed, h)&(hostShards-1)]
}

func (hi *hostIndex) get(h string) *entry {
	switch {
	case hi.shards != nil:
		return hi.shard(h).m[h]
	case hi.small != nil:
		return hi.small[h]
	}
	for i := range hi.few {
		if hi.few[i].host == h {
			return hi.few[i].first
		}
	}
	return nil
}

// set and del change the index in place: at build time, or on a leaf (and
// shard) copied for this build.
func (hi *hostIndex) set(h string, e *entry) {
	switch {
	case hi.shards != nil:
		hi.shard(h).m[h] = e
		return
	case hi.small != nil:
		hi.small[h] = e
		return
	}
	for i := range hi.few {
		if hi.few[i].host == h {
			hi.few[i].first = e
			return
		}
	}
	if len(hi.few) < fewHosts {
		hi.few = append(hi.few, hostEntry{h, e})
		return
	}
	hi.small = make(map[string]*entry, 2*fewHosts)
	for _, he := range hi.few {
		hi.small[he.host] = he.first
	}
	hi.few = nil
	hi.small[h] = e
}

func (hi *hostIndex) del(h string) {
	switch {
	case hi.shards != nil:
		delete(hi.shard(h).m, h)
		return
	case hi.small != nil:
		delete(hi.small, h)
		return
	}
	for i := range hi.few {
		if hi.few[i].host == h {
			// A new slice: the old one may be shared with the table this
			// one is a copy of.
			few := make([]hostEntry, 0, len(hi.few)-1)
			hi.few = append(append(few, hi.few[:i]...), hi.few[i+1:]...)
			return
		}
	}
}

func (hi *hostIndex) each(f func(h string, first *entry)) {
	for _, he := range hi.few {
		f(he.host, he.first)
	}
	for h, e := range hi.small {
		f(h, e)
	}
	for _, s := range hi.shards {
		for h, e := range s.m {
			f(h, e)
		}
	}
}

// clone returns an index that can be changed without changing hi: the
// slice or map is copied, the shards themselves are copied when first
// written (cowTree.writableHosts).
func (hi *hostIndex) clone() hostIndex {
	c := *hi
	if hi.few != nil {
		c.few = append([]hostEntry(nil), hi.few...)
	}
	if hi.small != nil {
		c.small = maps.Clone(hi.small)
	}
	if hi.shards != nil {
		c.shards = append([]*hostShard(nil), hi.shards...)
	}
	return c
}

func (hi *hostIndex) len() int {
	return len(hi.few) + len(hi.small)
}

// split shards the index when it has more than limit hosts.
func (hi *hostIndex) split(limit int) {
	if hi.shards != nil || hi.len() <= limit {
		return
	}
	hi.seed = maphash.MakeSeed()
	hi.shards = make([]*hostShard, hostShards)
	for i := range hi.shards {
		hi.shards[i] = &hostShard{m: make(map[string]*entry, 2*hi.len()/hostShards)}
	}
	for _, he := range hi.few {
		hi.shard(he.host).m[he.host] = he.first
	}
	for h, e := range hi.small {
		hi.shard(h).m[h] = e
	}
	hi.few, hi.small = nil, nil
}
