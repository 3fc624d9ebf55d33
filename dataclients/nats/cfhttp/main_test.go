package cfhttp

import (
	"testing"

	"go.uber.org/goleak"
)

// The package starts no goroutines; the tests' own servers must be gone too.
func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }
