//go:build !brotli

package body

import (
	"fmt"
	"io"
)

func encoder(_ io.Writer, coding string) (io.WriteCloser, error) {
	return nil, fmt.Errorf("no %s encoder", coding)
}
