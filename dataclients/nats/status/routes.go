package status

import (
	"bufio"
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"slices"
)

// serveRoutes writes the /routes document (§12.3).
func (h *handler) serveRoutes(w http.ResponseWriter) {
	var snapshot map[string][]Endpoint
	if h.routes != nil {
		snapshot = h.routes.Snapshot()
	}
	hd := w.Header()
	hd.Set("Content-Type", "application/json")
	hd.Set("Connection", "close")
	w.WriteHeader(http.StatusOK)
	// The status is sent; a failed write means the client went away and
	// there is nothing left to tell it.
	_ = writeRoutes(w, snapshot)
}

// writeRoutes streams the document one endpoint at a time, so a table of
// 100,000 endpoints needs no intermediate copy of the whole document. The
// bytes are those of json.Marshal on the map (sorted keys, HTML-safe
// escaping, no spaces) followed by a newline.
func writeRoutes(w io.Writer, snapshot map[string][]Endpoint) error {
	keys := make([]string, 0, len(snapshot))
	for k := range snapshot {
		keys = append(keys, k)
	}
	slices.Sort(keys)

	bw := bufio.NewWriterSize(w, 32<<10)
	// One buffer and encoder for every value; Encode appends a newline
	// that json.Marshal does not, so it is cut off before copying.
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	value := func(v any) error {
		buf.Reset()
		if err := enc.Encode(v); err != nil {
			return err
		}
		_, err := bw.Write(bytes.TrimSuffix(buf.Bytes(), []byte("\n")))
		return err
	}

	bw.WriteByte('{')
	for i, k := range keys {
		if i > 0 {
			bw.WriteByte(',')
		}
		if err := value(k); err != nil {
			return err
		}
		bw.WriteString(":[")
		eps := snapshot[k]
		for j := range eps {
			if j > 0 {
				bw.WriteByte(',')
			}
			if err := value(&eps[j]); err != nil {
				return err
			}
		}
		bw.WriteByte(']')
	}
	bw.WriteString("}\n")
	return bw.Flush()
}
