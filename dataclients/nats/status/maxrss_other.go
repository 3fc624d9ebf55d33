//go:build unix && !darwin

package status

// Linux and the BSDs report ru_maxrss in KiB.
const maxRSSInBytes = false
