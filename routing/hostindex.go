package routing

import "hash/maphash"

// hostIndex maps exact hosts to their chain of candidates. A large index
// is split into shards, so that a copy-on-write change of the table copies
// one shard rather than every host of the leaf.
type hostIndex struct {
	small  map[string]*entry
	seed   maphash.Seed
	shards []*hostShard // nil unless split; then small is nil
}

type hostShard struct{ m map[string]*entry }

const (
	hostShards        = 64
	defaultShardHosts = 512 // split indexes with more hosts than this
)

func (hi *hostIndex) shard(h string) *hostShard {
	return hi.shards[maphash.String(hi.seed, h)&(hostShards-1)]
}

func (hi *hostIndex) get(h string) *entry {
	if hi.shards != nil {
		return hi.shard(h).m[h]
	}
	return hi.small[h]
}

// set and del change the index in place: at build time, or on a leaf (and
// shard) copied for this build.
func (hi *hostIndex) set(h string, e *entry) {
	if hi.shards != nil {
		hi.shard(h).m[h] = e
		return
	}
	if hi.small == nil {
		hi.small = map[string]*entry{}
	}
	hi.small[h] = e
}

func (hi *hostIndex) del(h string) {
	if hi.shards != nil {
		delete(hi.shard(h).m, h)
		return
	}
	delete(hi.small, h)
}

func (hi *hostIndex) each(f func(h string, first *entry)) {
	for h, e := range hi.small {
		f(h, e)
	}
	for _, s := range hi.shards {
		for h, e := range s.m {
			f(h, e)
		}
	}
}

// split shards the index when it has more than limit hosts.
func (hi *hostIndex) split(limit int) {
	if hi.shards != nil || len(hi.small) <= limit {
		return
	}
	hi.seed = maphash.MakeSeed()
	hi.shards = make([]*hostShard, hostShards)
	for i := range hi.shards {
		hi.shards[i] = &hostShard{m: make(map[string]*entry, 2*len(hi.small)/hostShards)}
	}
	for h, e := range hi.small {
		hi.shard(h).m[h] = e
	}
	hi.small = nil
}
