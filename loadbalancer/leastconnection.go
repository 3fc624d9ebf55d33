package loadbalancer

// pickLeastConnection takes the candidate with the fewest requests in
// flight. The scan starts right after the member chosen last and keeps
// the first minimum, so candidates that tie take turns in pool order (an
// idle pool is served round robin). Starting at a position that merely
// advances by one would not do: the endpoint after a busy one would
// inherit the busy one's turns.
func pickLeastConnection(c view, members []Member, turn *roundRobin) int {
	last := int(turn.cursor.Load() % uint64(len(members)))
	start := c.after(last)
	best, low := -1, int64(0)
	for k := range c.n {
		pos := start + k
		if pos >= c.n {
			pos -= c.n
		}
		i := c.at(pos)
		l := members[i].Endpoint.InFlight()
		if best < 0 || l < low {
			best, low = i, l
			if l <= 0 {
				break // nothing beats an idle endpoint, and it is the first in turn
			}
		}
	}
	// Concurrent requests may start from the same place and choose the
	// same endpoint; the next ones see its count.
	turn.cursor.Store(uint64(best))
	return best
}
