package natstest

import (
	"testing"

	"go.uber.org/goleak"
)

// Servers and clients are shut down by their tests' cleanups: none of
// their goroutines may outlive the tests.
func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}
