package body

import (
	"io"
	"sync"

	"github.com/andybalholm/brotli"
)

// haveBrotli: decompress decodes br. The build tag goes once
// github.com/andybalholm/brotli is in go.mod.
const haveBrotli = true

type brotliReader = *brotli.Reader

var brotliReaders sync.Pool

func newBrotli(src io.Reader) brotliReader {
	if r, _ := brotliReaders.Get().(*brotli.Reader); r != nil {
		if r.Reset(src) == nil {
			return r
		}
	}
	return brotli.NewReader(src)
}

func releaseBrotli(r brotliReader) {
	r.Reset(nil)
	brotliReaders.Put(r)
}
