//go:build race

package proxy

// sync.Pool drops items at random under the race detector, so allocation
// counts vary there.
const raceEnabled = true
