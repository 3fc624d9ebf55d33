package applog

import (
	"fmt"
	"io"

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
