package main

import (
	"fmt"
	"io"
)

const explainSummary = "    not implemented yet\n"

func runExplain(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	fmt.Fprintln(stderr, "skiff explain: not implemented yet")
	return 2
}
