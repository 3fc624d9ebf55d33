package config

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"

	"github.com/skiff-proxy/skiff"
)

const serveSummary = `    serves routes: skiff -address :9090 -routes-file routes.eskip
    SIGTERM, SIGINT or SIGUSR1 shut it down gracefully (see -wait-for-healthcheck-interval)
`

// runServe is the default command: parse the flags, serve until SIGTERM or
// SIGINT, shut down gracefully. Exit codes: 0 after a clean shutdown, 2 for
// unusable flags or configuration, 1 for failures while running.
func runServe(e Extensions, args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	c, fs, err := parseServeFlags(args, e)
	if err != nil {
		fmt.Fprintf(stderr, "skiff: %v\nrun 'skiff -help-flags' for the list of flags\n", err)
		return 2
	}
	if c.helpFlags {
		printFlags(stdout, fs)
		return 0
	}
	if c.skipper.version {
		fmt.Fprintf(stdout, "skiff %s\n", Version())
		return 0
	}
	for _, w := range c.warnings {
		fmt.Fprintf(stderr, "skiff: warning: %s\n", w)
	}
	closeExtras, err := applySkipperExtras(c, stderr)
	defer closeExtras()
	if err != nil {
		fmt.Fprintf(stderr, "skiff: %v\n", err)
		return 2
	}
	if c.accessLogFile != "" && !c.opts.AccessLogDisabled {
		f, err := os.OpenFile(c.accessLogFile, os.O_WRONLY|os.O_CREATE|os.O_APPEND, 0o644)
		if err != nil {
			fmt.Fprintf(stderr, "skiff: -access-log: %v\n", err)
			return 2
		}
		defer f.Close()
		c.opts.AccessLogOutput = f
	} else {
		c.opts.AccessLogOutput = stderr
	}

	// SIGUSR1 is what Cloud Foundry's drain script sends gorouter: the
	// same graceful drain.
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, syscall.SIGINT, syscall.SIGUSR1)
	defer stop()
	go func() {
		// After the first signal the default action returns, so that a
		// second Ctrl-C ends a drain that an operator does not want to wait for.
		<-ctx.Done()
		stop()
	}()
	err = skiff.Run(ctx, c.opts)
	var cerr *skiff.ConfigError
	switch {
	case err == nil:
		return 0
	case errors.As(err, &cerr):
		fmt.Fprintf(stderr, "skiff: %v\n", err)
		return 2
	default:
		fmt.Fprintf(stderr, "skiff: %v\n", err)
		return 1
	}
}
