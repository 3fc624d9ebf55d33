package main

import (
	"fmt"
	"io"
)

const serveSummary = "    not implemented yet\n"

func runServe(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	fmt.Fprintln(stderr, "skiff serve: not implemented yet")
	return 2
}
