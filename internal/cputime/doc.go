// Package cputime reads the CPU time the process has used, for the
// benchmarks that report cpu-ns/op beside wall time: on a loaded machine
// the CPU a benchmark costs says more than how long it took.
package cputime
