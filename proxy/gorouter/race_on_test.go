//go:build race

package gorouter

const raceEnabled = true
