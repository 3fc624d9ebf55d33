//go:build race

package routing

// sync.Pool drops items at random under the race detector, so regexp
// matching allocates there.
const raceEnabled = true
