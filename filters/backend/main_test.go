package backend

import (
	"testing"

	"go.uber.org/goleak"
)

// The proxy round trips in proxy_test.go start goroutines.
func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }
