package status

// Darwin reports ru_maxrss in bytes, Linux and the BSDs in KiB.
const maxRSSInBytes = true
