//go:build !brotli

package body

import "io"

// Without the brotli build tag (and github.com/andybalholm/brotli in
// go.mod), decompress leaves br-encoded responses as they are.
const haveBrotli = false

type brotliReader = io.Reader

func newBrotli(io.Reader) brotliReader { return nil }

func releaseBrotli(brotliReader) {}
