// Package applog builds skiff's default application log: logrus text
// lines on stderr, each prefixed [APP] so that they stand apart from
// access log lines on the same stream; and the bridge that sends
// net/http's server messages to it.
package applog
