package etcd

// SetBeforeWatch makes Run call f before it makes a watch starting at
// revision from. Set it before Run.
func SetBeforeWatch(c *Client, f func(from int64)) { c.hooks.beforeWatch = f }

// SetPageSize makes reads ask for n keys at a time.
func SetPageSize(c *Client, n int64) { c.cfg.pageSize = n }
