// Package scheduler holds the load-shedding filters: the bounded queues
// fifo, fifoWithBody, lifo, lifoWithBody, lifoGroup and lifoGroupWithBody,
// admissionControl and backendRatelimit. Their state (queues, windows,
// per-endpoint counters) lives in a Registry the caller creates and closes,
// so that it survives routing-table rebuilds; Registry.Snapshot is what the
// support listener's /queues shows. No filter of the package starts a
// goroutine.
package scheduler
