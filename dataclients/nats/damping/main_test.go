package damping

import (
	"testing"

	"go.uber.org/goleak"
)

// The Damper starts no goroutines; goleak checks that none is left.
func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }
