package status

import (
	"testing"

	"go.uber.org/goleak"
)

// Server and the tests' httptest servers start goroutines; goleak checks
// that every one has stopped when the tests end.
func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }
