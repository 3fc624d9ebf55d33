//go:build !race

package gorouter

const raceEnabled = false
