package config

import (
	"io"
	"os"
)

// etcdMediumType is where routes come from or go to, in eskip's terms.
type etcdMediumType int

const (
	etcdMediumEtcd   etcdMediumType = iota + 1
	etcdMediumFile                  // the positional argument
	etcdMediumStdin                 // piped stdin, or "-" as the file
	etcdMediumInline                // -routes
	etcdMediumIds                   // -ids, for delete
	etcdMediumPatch                 // -prepend, -append and their -file forms
)

var etcdMediumNames = map[etcdMediumType]string{
	etcdMediumEtcd:   "etcd",
	etcdMediumFile:   "file",
	etcdMediumStdin:  "stdin",
	etcdMediumInline: "inline",
	etcdMediumIds:    "inline ids",
	etcdMediumPatch:  "patch",
}

func (t etcdMediumType) String() string { return etcdMediumNames[t] }

// etcdMedium is one medium named on the command line. etcd needs no data
// here: where it is comes from the -etcd-* flags, defaults included.
type etcdMedium struct {
	typ  etcdMediumType
	path string   // file
	text string   // inline routes
	ids  []string // inline ids
}

var etcdDefaultMedium = &etcdMedium{typ: etcdMediumEtcd}

// etcdIO is what a command reads from and writes to.
type etcdIO struct {
	in, out *etcdMedium
}

// etcdMediaOf lists the media the flags and arguments name, in eskip's
// order. Stdin counts only when nothing else names the input: piped but
// empty stdin (cron, CI, ssh) must not turn "print -etcd-urls ..." or
// "upsert -routes ..." into "too many inputs". etcdIn tells whether the
// command reads etcd (check, print, patch): then -etcd-urls and
// -etcd-prefix name the input.
func etcdMediaOf(f *etcdCmdFlags, stdinPiped, etcdIn bool) ([]*etcdMedium, error) {
	if len(f.args) > 1 {
		return nil, errEtcdNumberOfArgs
	}
	var media []*etcdMedium
	if f.etcdSet {
		media = append(media, &etcdMedium{typ: etcdMediumEtcd})
	}
	if f.routes != "" {
		media = append(media, &etcdMedium{typ: etcdMediumInline, text: f.routes})
	}
	if len(f.ids) > 0 {
		media = append(media, &etcdMedium{typ: etcdMediumIds, ids: f.ids})
	}
	switch {
	case len(f.args) == 1 && f.args[0] == "-":
		media = append(media, &etcdMedium{typ: etcdMediumStdin})
	case len(f.args) == 1:
		media = append(media, &etcdMedium{typ: etcdMediumFile, path: f.args[0]})
	case stdinPiped && f.routes == "" && len(f.ids) == 0 && !(etcdIn && f.etcdSet):
		media = append(media, &etcdMedium{typ: etcdMediumStdin})
	}
	for range f.patches {
		media = append(media, &etcdMedium{typ: etcdMediumPatch})
	}
	return media, nil
}

// etcdStdinPiped tells whether stdin holds input: a reader that is not a
// file is taken as piped (tests, embedding); a file is piped unless it is
// a terminal or another character device such as /dev/null, which is
// what a process started without stdin gets.
func etcdStdinPiped(r io.Reader) bool {
	if r == nil {
		return false
	}
	f, ok := r.(*os.File)
	if !ok {
		return true
	}
	fi, err := f.Stat()
	if err != nil {
		return false
	}
	return fi.Mode()&os.ModeCharDevice == 0
}

// etcdSelectRead is check's and print's rule: at most one input of any
// type but ids and patches; none means etcd.
func etcdSelectRead(media []*etcdMedium) (etcdIO, error) {
	if len(media) > 1 {
		return etcdIO{}, errEtcdTooManyInputs
	}
	if len(media) == 0 {
		return etcdIO{in: etcdDefaultMedium}, nil
	}
	switch media[0].typ {
	case etcdMediumIds, etcdMediumPatch:
		return etcdIO{}, errEtcdInvalidInput
	}
	return etcdIO{in: media[0]}, nil
}

// etcdSelectWrite is upsert's and reset's rule (delete's with ids
// allowed): one input that is not etcd, and etcd as the output, named or
// not. Unlike eskip, two inputs are an error rather than the last one
// silently winning.
func etcdSelectWrite(allowIds bool) func([]*etcdMedium) (etcdIO, error) {
	return func(media []*etcdMedium) (etcdIO, error) {
		if len(media) == 0 {
			return etcdIO{}, errEtcdMissingInput
		}
		if len(media) > 2 {
			return etcdIO{}, errEtcdTooManyInputs
		}
		var a etcdIO
		for _, m := range media {
			switch {
			case m.typ == etcdMediumPatch, m.typ == etcdMediumIds && !allowIds:
				return etcdIO{}, errEtcdInvalidInput
			case m.typ == etcdMediumEtcd:
				a.out = m
			case a.in != nil:
				return etcdIO{}, errEtcdTooManyInputs
			default:
				a.in = m
			}
		}
		if a.in == nil {
			return etcdIO{}, errEtcdMissingInput
		}
		if a.out == nil {
			a.out = etcdDefaultMedium
		}
		return a, nil
	}
}

// etcdSelectPatch is patch's rule: any patches, and at most one input that
// is not ids; none means etcd. patch writes only to stdout.
func etcdSelectPatch(media []*etcdMedium) (etcdIO, error) {
	var a etcdIO
	for _, m := range media {
		switch {
		case m.typ == etcdMediumPatch:
		case m.typ == etcdMediumIds:
			return etcdIO{}, errEtcdInvalidInput
		case a.in != nil:
			return etcdIO{}, errEtcdTooManyInputs
		default:
			a.in = m
		}
	}
	if a.in == nil {
		a.in = etcdDefaultMedium
	}
	return a, nil
}
