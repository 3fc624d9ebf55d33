package logging

import (
	"testing"

	"go.uber.org/goleak"
)

// The filters start no goroutine; the proxy test's must all end.
func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }
