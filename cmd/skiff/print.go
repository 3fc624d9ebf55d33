package main

import (
	"fmt"
	"io"
)

const printSummary = "    not implemented yet\n"

func runPrint(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	fmt.Fprintln(stderr, "skiff print: not implemented yet")
	return 2
}
