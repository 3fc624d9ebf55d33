package ratelimit

import (
	"io"
	"strings"
)

func bodyReader(s string) io.ReadCloser { return io.NopCloser(strings.NewReader(s)) }
