package body

import (
	"fmt"
	"io"

	"github.com/andybalholm/brotli"
)

func encoder(w io.Writer, coding string) (io.WriteCloser, error) {
	if coding == "br" {
		return brotli.NewWriter(w), nil
	}
	return nil, fmt.Errorf("no %s encoder", coding)
}
