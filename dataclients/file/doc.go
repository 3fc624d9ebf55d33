// Package file is a data client over one or more eskip files. It watches the
// files' directories with fsnotify, so edits, editors that write a new file
// and rename it over the old one, and files deleted and re-created all reach
// the routing table within milliseconds. A file that stops parsing keeps its
// last good routes until it is fixed; each parse error is logged as
// "file:line:col: message".
//
// Startup: Run (and Load, for validating before starting) fail with an error
// naming the file, and every error position, when a file is missing,
// unreadable, larger than Options.MaxSize (default 256 MiB) or does not
// parse; Run then sends nothing. Later, such a file keeps its last routes.
//
// Changes: after a burst of file events has been quiet for Options.Debounce
// the touched files are read again; unchanged bytes send nothing. A large
// file is not parsed whole for a small edit: only the routes overlapping the
// changed bytes are, where that provably gives the same result as a full
// parse. Routes of several files are merged by id, a later file winning;
// an id defined twice in one file is logged as a warning (the later
// definition is used).
// A route counts as changed when its definition or its line and column
// changed (so that positions shown for it stay right); a change of byte
// offset alone is not sent.
//
// A file truncated to zero bytes after startup keeps its routes too, with
// a warning: that is the state of a file being written in place, or left
// by a failed write, not a request to remove every route. To remove them,
// leave only a comment or a blank line, or delete the file. (At startup an
// empty file is a valid file without routes.) Files are best replaced by
// writing a new file and renaming it over the old one: a reader may see
// an in-place write half done.
//
// A file that disappears has its routes withdrawn after Options.DeleteGrace,
// unless it is back by then. Symbolic links are followed: the directory of
// a link's target is watched too, and Kubernetes ConfigMap volumes, which
// swap a "..data" link, are recognised. The directories themselves must
// stay; a removed directory is not watched again.
package file
