package applog

import (
	"fmt"
	"io"
	"log"
	"strings"

	"github.com/sirupsen/logrus"
)

// New returns a logger writing to w at level, a logrus level name ("" is
// info).
func New(w io.Writer, level string) (logrus.FieldLogger, error) {
	lv := logrus.InfoLevel
	if level != "" {
		var err error
		if lv, err = logrus.ParseLevel(level); err != nil {
			return nil, fmt.Errorf("log level: %w", err)
		}
	}
	l := logrus.New()
	l.SetOutput(w)
	l.SetLevel(lv)
	l.SetFormatter(appFormatter{&logrus.TextFormatter{FullTimestamp: true}})
	return l, nil
}

// appFormatter prefixes every line with [APP].
type appFormatter struct{ logrus.Formatter }

func (f appFormatter) Format(e *logrus.Entry) ([]byte, error) {
	b, err := f.Formatter.Format(e)
	if err != nil {
		return nil, err
	}
	return append([]byte("[APP]"), b...), nil
}

// ServerLog routes net/http's own messages (TLS handshake errors, panics
// recovered by a server) to l at debug level: they are per-connection
// noise that a client can trigger at will.
func ServerLog(l logrus.FieldLogger) *log.Logger {
	return log.New(debugWriter{l}, "", 0)
}

type debugWriter struct{ l logrus.FieldLogger }

func (w debugWriter) Write(p []byte) (int, error) {
	w.l.Debug(strings.TrimRight(string(p), "\n"))
	return len(p), nil
}
