package config

import (
	"io"

	"github.com/sirupsen/logrus"

	"github.com/skiff-proxy/skiff/dataclients/etcd"
)

func runEtcd(_ Extensions, args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	return etcdMain(args, stdin, stdout, stderr, etcdDialerTo(stderr))
}

// etcdDialerTo makes real etcd clients that log to stderr. Only errors:
// the commands report what fails themselves, and the etcd library's
// warnings about retries would bury the one line that matters.
func etcdDialerTo(stderr io.Writer) etcdDialer {
	return func(o etcd.Options) (etcdStore, error) {
		log := logrus.New()
		log.SetOutput(stderr)
		log.SetLevel(logrus.ErrorLevel)
		o.Log = log
		c, err := etcd.New(o)
		if err != nil {
			// New only checks the options, which come from the flags.
			return nil, etcdUsageError{err}
		}
		return c, nil
	}
}
