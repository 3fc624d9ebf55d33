//go:build !race

package cfhttp

const raceEnabled = false
