package etcd

import (
	"github.com/sirupsen/logrus"
	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"
)

// zapToLogrus returns a zap logger that writes into log, so that what the
// etcd libraries log (they only speak zap) lands in skiff's log with its
// format and level. level maps a zap level to the logrus level used, or
// reports false to drop the entry: etcd's own levels do not match what
// matters to a proxy operator (the client warns on every retry during an
// outage this package already reports once).
func zapToLogrus(log logrus.FieldLogger, level func(zapcore.Level) (logrus.Level, bool)) *zap.Logger {
	return zap.New(&logrusCore{log: log, level: level})
}

// logrusCore is a zapcore.Core writing to a logrus logger.
type logrusCore struct {
	log    logrus.FieldLogger
	level  func(zapcore.Level) (logrus.Level, bool)
	fields []zapcore.Field
}

func (c *logrusCore) Enabled(l zapcore.Level) bool {
	_, ok := c.level(l)
	return ok
}

func (c *logrusCore) With(fields []zapcore.Field) zapcore.Core {
	return &logrusCore{log: c.log, level: c.level, fields: append(c.fields[:len(c.fields):len(c.fields)], fields...)}
}

func (c *logrusCore) Check(e zapcore.Entry, ce *zapcore.CheckedEntry) *zapcore.CheckedEntry {
	if c.Enabled(e.Level) {
		return ce.AddCore(e, c)
	}
	return ce
}

func (c *logrusCore) Write(e zapcore.Entry, fields []zapcore.Field) error {
	lvl, ok := c.level(e.Level)
	if !ok {
		return nil
	}
	enc := zapcore.NewMapObjectEncoder()
	for _, f := range c.fields {
		f.AddTo(enc)
	}
	for _, f := range fields {
		f.AddTo(enc)
	}
	entry := c.log.WithFields(logrus.Fields(enc.Fields))
	if e.LoggerName != "" {
		entry = entry.WithField("logger", e.LoggerName)
	}
	switch lvl {
	case logrus.DebugLevel, logrus.TraceLevel:
		entry.Debug(e.Message)
	case logrus.InfoLevel:
		entry.Info(e.Message)
	case logrus.WarnLevel:
		entry.Warn(e.Message)
	default:
		// Never Fatal or Panic here: zap itself ends the program after
		// writing a fatal entry, and logrus doing it first would skip
		// zap's own hooks.
		entry.Error(e.Message)
	}
	return nil
}

func (c *logrusCore) Sync() error { return nil }

// clientLevels maps the etcd client library's levels: it warns on every
// retried request while etcd is unreachable, which Run reports itself in
// one line per outage, so those warnings are only debug output here.
func clientLevels(l zapcore.Level) (logrus.Level, bool) {
	switch {
	case l < zapcore.WarnLevel:
		return 0, false
	case l == zapcore.WarnLevel:
		return logrus.DebugLevel, true
	default:
		return logrus.WarnLevel, true
	}
}

// ZapLogger returns a zap logger for an etcd client (clientv3.Config.Logger)
// that writes into log as this package's own client does: its warnings
// about retried requests at debug level, its errors as warnings.
func ZapLogger(log logrus.FieldLogger) *zap.Logger {
	return zapToLogrus(log, clientLevels)
}
