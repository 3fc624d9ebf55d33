package transport

import (
	"testing"

	"go.uber.org/goleak"
)

// Every Conn, Embedded and test server is closed by its test: no goroutine
// of the client library or the server may outlive the tests.
func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}
