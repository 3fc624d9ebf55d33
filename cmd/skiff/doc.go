// Command skiff is the skiff proxy binary. Without a subcommand it serves
// (skiff -address :9090 -routes-file routes.eskip); the subcommands check,
// print and explain work on route files without serving.
package main
