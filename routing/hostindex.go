package routing

import (
	"hash/maphash"
	"maps"
)

// hostIndex maps exact hosts to their chain of candidates. Most leaves of
// a large table hold one host or a few (one Path per service host), so a
// small index is a slice searched in order: a map per leaf would cost a
// few hundred bytes and an allocation more per route. The slice of a
// single host is the index's own array, so that such a leaf allocates
// nothing for its index. Past fewHosts it is a map, and a large index is
// split into shards, so that a copy-on-write change of the table copies
// one shard rather than every host of the leaf. At most one of few, small
// and sharded is in use.
type hostIndex struct {
	few     []hostEntry
	small   map[string]*entry
	sharded *shardedIndex
	one     [1]hostEntry // few's array while it holds one host
}

type hostEntry struct {
	host  string
	first *entry
}

// shardedIndex is a split index; its seed picks a host's shard.
type shardedIndex struct {
	seed   maphash.Seed
	shards []*hostShard
}

type hostShard struct{ m map[string]*entry }

const (
	// fewHosts is the most hosts kept in a slice: comparing a Host with
	// this many short strings costs about what hashing it once does.
	fewHosts          = 8
	hostShards        = 64
	defaultShardHosts = 512 // split indexes with more hosts than this
)

// shardIndex is the shard of h in a split index.
func (hs *shardedIndex) shardIndex(h string) uint64 {
	return maphash.String(hs.seed, h) & (hostShards - 1)
}

func (hs *shardedIndex) shard(h string) *hostShard { return hs.shards[hs.shardIndex(h)] }

func (hi *hostIndex) get(h string) *entry {
	switch {
	case hi.sharded != nil:
		return hi.sharded.shard(h).m[h]
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
	case hi.sharded != nil:
		hi.sharded.shard(h).m[h] = e
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
	switch {
	case len(hi.few) == 0:
		hi.one[0] = hostEntry{h, e}
		hi.few = hi.one[:1:1]
	case len(hi.few) < fewHosts:
		hi.few = append(hi.few, hostEntry{h, e}) // a new array: one's has room for one
	default:
		hi.small = make(map[string]*entry, 2*fewHosts)
		for _, he := range hi.few {
			hi.small[he.host] = he.first
		}
		hi.small[h] = e
		hi.dropFew()
	}
}

// dropFew empties the slice form, letting go of what one pointed to.
func (hi *hostIndex) dropFew() {
	hi.few = nil
	hi.one[0] = hostEntry{}
}

func (hi *hostIndex) del(h string) {
	switch {
	case hi.sharded != nil:
		delete(hi.sharded.shard(h).m, h)
		return
	case hi.small != nil:
		delete(hi.small, h)
		return
	}
	for i := range hi.few {
		if hi.few[i].host == h {
			if len(hi.few) == 1 {
				hi.dropFew()
				return
			}
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
	if hi.sharded != nil {
		for _, s := range hi.sharded.shards {
			for h, e := range s.m {
				f(h, e)
			}
		}
	}
}

// cloneTo makes c an index that can be changed without changing hi: the
// slice or map is copied, the shards themselves are copied when first
// written (cowTree.writableHosts). An index is not copied by value: its
// slice may point into its own array.
func (hi *hostIndex) cloneTo(c *hostIndex) {
	*c = hostIndex{}
	switch {
	case len(hi.few) == 1:
		c.one[0] = hi.few[0]
		c.few = c.one[:1:1]
	case hi.few != nil:
		c.few = append([]hostEntry(nil), hi.few...)
	case hi.small != nil:
		c.small = maps.Clone(hi.small)
	case hi.sharded != nil:
		c.sharded = &shardedIndex{seed: hi.sharded.seed, shards: append([]*hostShard(nil), hi.sharded.shards...)}
	}
}

func (hi *hostIndex) len() int {
	return len(hi.few) + len(hi.small)
}

// split shards the index when it has more than limit hosts.
func (hi *hostIndex) split(limit int) {
	if hi.sharded != nil || hi.len() <= limit {
		return
	}
	hs := &shardedIndex{seed: maphash.MakeSeed(), shards: make([]*hostShard, hostShards)}
	for i := range hs.shards {
		hs.shards[i] = &hostShard{m: make(map[string]*entry, 2*hi.len()/hostShards)}
	}
	for _, he := range hi.few {
		hs.shard(he.host).m[he.host] = he.first
	}
	for h, e := range hi.small {
		hs.shard(h).m[h] = e
	}
	hi.dropFew()
	hi.small = nil
	hi.sharded = hs
}
