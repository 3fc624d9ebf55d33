// Package config is skiff's command line, for the skiff binary and for
// custom binaries alike: the serve flags (skipper's names), -help-flags,
// and the check, print and explain subcommands. A custom binary adds its
// own filters, predicates and data clients and calls Main:
//
//	func main() {
//		os.Exit(config.Main(config.Extensions{Filters: []filters.Spec{myFilter{}}}))
//	}
//
// check and explain build routes as the server does, through package
// pipeline, with the same flags and the same extensions.
package config
