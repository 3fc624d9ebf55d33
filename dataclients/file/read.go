package file

import (
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
)

// errTooLarge is returned (wrapped) for a file over the size limit.
var errTooLarge = errors.New("routes file too large")

// readChunk is how much of a file is compared with its previous content
// at a time.
const readChunk = 32 << 10

// readChanged reads the routes file at path, failing for one larger than
// limit bytes. When known, old is the content the file had at the last read:
// if it still has it, readChanged returns old and same, having compared the
// file with old a chunk at a time without a copy of the file (directory
// events make the client read unchanged files again). The text of a
// changed file is read once, into the string returned: the parser's routes
// keep pointing into it, and no second copy of a large file stays around.
func readChanged(path, old string, known bool, limit int64) (text string, same bool, err error) {
	f, err := os.Open(path)
	if err != nil {
		return "", false, err
	}
	defer f.Close()
	size := int64(0)
	if st, err := f.Stat(); err == nil {
		if st.Size() > limit {
			return "", false, tooLarge(path, st.Size(), limit)
		}
		size = st.Size()
	}
	var b strings.Builder
	if known {
		buf := make([]byte, readChunk)
		off := 0
		for {
			n, err := io.ReadFull(f, buf)
			chunk := buf[:n]
			if off+n > len(old) || string(chunk) != old[off:off+n] {
				b.Grow(int(max(size, int64(off+n))) + 512)
				b.WriteString(old[:off])
				b.Write(chunk)
				break
			}
			off += n
			if err == io.EOF || err == io.ErrUnexpectedEOF {
				if off == len(old) {
					return old, true, nil
				}
				return old[:off], false, nil // cut short: a prefix of old
			}
			if err != nil {
				return "", false, err
			}
		}
	} else {
		b.Grow(int(size) + 512)
	}
	// LimitReader: the file may grow while it is read.
	if _, err := io.Copy(&b, io.LimitReader(f, limit+1-int64(b.Len()))); err != nil {
		return "", false, err
	}
	if int64(b.Len()) > limit {
		return "", false, tooLarge(path, int64(b.Len()), limit)
	}
	return b.String(), false, nil
}

func tooLarge(path string, size, limit int64) error {
	return fmt.Errorf("%s is %d bytes, over the limit of %d: %w", path, size, limit, errTooLarge)
}
