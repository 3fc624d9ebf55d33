package config

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"
	"time"

	natsgo "github.com/nats-io/nats.go"

	"github.com/skiff-proxy/skiff/dataclients/nats/registration"
	"github.com/skiff-proxy/skiff/dataclients/nats/transport"
)

const natsSummary = `    Publishes a Cloud Foundry route registration on NATS, as a route
    emitter does: skiff nats register|unregister [-nats-servers URL]
    [-repeat 20s] '{"host":"127.0.0.1","port":8080,"uris":["app.test"]}'.
    See "skiff nats -help".
`

const natsUsageText = `usage: skiff nats register|unregister [flags] MESSAGE

MESSAGE is the JSON of a router.register message (host, port or tls_port,
uris, app, private_instance_id, tags, ...), given inline or as @FILE ("-"
reads stdin). It is checked as skiff checks what it receives before it is
published on router.register or router.unregister.

Flags:
`

// runNATS is "skiff nats": it publishes registrations.
func runNATS(_ Extensions, args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	return natsMain(args, stdin, stdout, stderr, nil)
}

// natsMain runs skiff nats; stop, when not nil, ends a repeating publish
// (tests), else the process's interrupt does.
func natsMain(args []string, stdin io.Reader, stdout, stderr io.Writer, stop <-chan struct{}) int {
	fs := flag.NewFlagSet("skiff nats", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	servers := fs.String("nats-servers", "127.0.0.1:4222", "comma-separated NATS servers")
	user := fs.String("nats-user", "", "NATS user")
	password := fs.String("nats-password", "", "NATS password")
	repeat := fs.Duration("repeat", 0, "publish again at this interval until interrupted, as route emitters refresh (0: once)")
	usage := func(w io.Writer) {
		fmt.Fprint(w, natsUsageText)
		fs.SetOutput(w)
		fs.PrintDefaults()
		fs.SetOutput(io.Discard)
	}
	if len(args) == 0 || args[0] == "-help" || args[0] == "--help" || args[0] == "-h" || args[0] == "help" {
		usage(stdout)
		return 0
	}
	subject := ""
	switch args[0] {
	case "register":
		subject = transport.SubjectRegister
	case "unregister":
		subject = transport.SubjectUnregister
	default:
		fmt.Fprintf(stderr, "skiff nats: unknown command %q: want register or unregister\n", args[0])
		return 2
	}
	if err := fs.Parse(args[1:]); err != nil {
		fmt.Fprintf(stderr, "skiff nats %s: %v\n", args[0], err)
		return 2
	}
	if fs.NArg() != 1 {
		fmt.Fprintf(stderr, "skiff nats %s: want one MESSAGE argument, got %d\n", args[0], fs.NArg())
		return 2
	}
	payload, err := natsPayload(fs.Arg(0), stdin)
	if err == nil {
		_, err = registration.Decode(payload)
	}
	if err != nil {
		fmt.Fprintf(stderr, "skiff nats %s: message: %v\n", args[0], err)
		return 2
	}
	opts := []natsgo.Option{natsgo.Name("skiff nats"), natsgo.Timeout(5 * time.Second)}
	if *user != "" || *password != "" {
		opts = append(opts, natsgo.UserInfo(*user, *password))
	}
	nc, err := natsgo.Connect(*servers, opts...)
	if err != nil {
		fmt.Fprintf(stderr, "skiff nats %s: connecting to %s: %v\n", args[0], *servers, err)
		return 1
	}
	defer nc.Close()
	publish := func() error {
		if err := nc.Publish(subject, payload); err != nil {
			return err
		}
		return nc.FlushTimeout(5 * time.Second)
	}
	if err := publish(); err != nil {
		fmt.Fprintf(stderr, "skiff nats %s: publishing: %v\n", args[0], err)
		return 1
	}
	fmt.Fprintf(stdout, "published on %s\n", subject)
	if *repeat <= 0 {
		return 0
	}
	if stop == nil {
		ctx, cancel := signal.NotifyContext(context.Background(), os.Interrupt)
		defer cancel()
		stop = ctx.Done()
	}
	t := time.NewTicker(*repeat)
	defer t.Stop()
	for {
		select {
		case <-stop:
			return 0
		case <-t.C:
			if err := publish(); err != nil {
				fmt.Fprintf(stderr, "skiff nats %s: publishing: %v\n", args[0], err)
				return 1
			}
		}
	}
}

// natsPayload reads MESSAGE: inline JSON, @FILE, or "-" for stdin.
func natsPayload(arg string, stdin io.Reader) ([]byte, error) {
	switch {
	case arg == "-":
		return io.ReadAll(io.LimitReader(stdin, 1<<20))
	case strings.HasPrefix(arg, "@"):
		b, err := os.ReadFile(arg[1:])
		if err != nil {
			return nil, err
		}
		return b, nil
	case strings.TrimSpace(arg) == "":
		return nil, errors.New("empty")
	}
	return []byte(arg), nil
}
