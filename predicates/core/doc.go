// Package core holds the constant predicates True and False and Shutdown,
// which turns true once the process began shutting down (SIGTERM), so that a
// route can, for example, fail health checks during the drain period.
package core
