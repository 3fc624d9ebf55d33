package main

import (
	"fmt"
	"io"
)

const checkSummary = "    not implemented yet\n"

func runCheck(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	fmt.Fprintln(stderr, "skiff check: not implemented yet")
	return 2
}
