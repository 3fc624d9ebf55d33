// Package file is a data client over one or more eskip files. It watches the
// files' directories with fsnotify, so edits, editors that write a new file
// and rename it over the old one, and files deleted and re-created all reach
// the routing table within milliseconds. A file that stops parsing keeps its
// last good routes until it is fixed.
package file
