package inbound

import "net/http"

// contentLengthLimit answers 413 to a request announcing a body larger
// than max (-max-content-length). Bodies of unknown length (chunked) are
// not counted, as in skipper.
type contentLengthLimit struct {
	max  int64
	next http.Handler
}

func (l contentLengthLimit) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.ContentLength > l.max {
		w.Header()["Server"] = []string{"skiff"}
		w.Header()["Connection"] = []string{"close"} // the body is not read
		http.Error(w, http.StatusText(http.StatusRequestEntityTooLarge), http.StatusRequestEntityTooLarge)
		return
	}
	l.next.ServeHTTP(w, r)
}
