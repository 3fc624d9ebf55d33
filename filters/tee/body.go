package tee

import "io"

// teeBody replaces the main request's body and copies what the main request
// reads into the shadow's pipe.
type teeBody struct {
	src io.ReadCloser
	p   *pipe
}

func (t *teeBody) Read(b []byte) (int, error) {
	n, err := t.src.Read(b)
	if n > 0 {
		t.p.write(b[:n])
	}
	if err != nil {
		t.p.closeWrite(err)
	}
	return n, err
}

func (t *teeBody) Close() error {
	t.p.closeWrite(errMainClosed) // no-op when the body was read to its end
	return t.src.Close()
}
