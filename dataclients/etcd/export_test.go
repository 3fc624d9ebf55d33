package etcd

// SetBeforeWatch makes Run call f before it makes a watch starting at
// revision from. Set it before Run.
func SetBeforeWatch(c *Client, f func(from int64)) { c.hooks.beforeWatch = f }
