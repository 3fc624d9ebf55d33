package frontconn

import (
	"context"
	"crypto/rand"
	"io"
	"net"
	"net/http"
)

// The guard cannot answer a refused head itself: net/http may be writing
// the previous response at that moment (its background read runs ahead
// of the handler). So net/http reads this request in place of the refused
// head, then EOF, and Handler answers it. The target carries a random
// token of the process, so no client can send it; Handler also requires
// the connection to have refused a head, so a token that leaked into a
// log is of no use either.
var (
	syntheticTarget = "/.frontconn-refused/" + rand.Text()
	synthetic       = []byte("GET " + syntheticTarget + " HTTP/1.1\r\nHost: frontconn.invalid\r\nConnection: close\r\n\r\n")
)

type connKey struct{}

// ConnContext is for http.Server.ConnContext: it makes the guard's
// connection known to Handler through the request context.
func ConnContext(ctx context.Context, c net.Conn) context.Context {
	if gc, ok := c.(*Conn); ok {
		return context.WithValue(ctx, connKey{}, gc)
	}
	return ctx
}

// Handler answers the synthetic request of a connection whose request the
// guard refused, with the status and Connection: close, and passes every
// other request to next, with Request.TLS set for connections of
// NewTLSListener. It must be the outermost handler of the server, and the
// server's ConnContext must be ConnContext.
func Handler(next http.Handler) http.Handler { return guard{next} }

type guard struct{ next http.Handler }

func (g guard) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if c, ok := r.Context().Value(connKey{}).(*Conn); ok {
		if st := c.status.Load(); st != 0 && r.RequestURI == syntheticTarget {
			answer(w, int(st))
			return
		}
		if r.TLS == nil && c.tls != nil {
			r.TLS = c.tls
		}
	}
	g.next.ServeHTTP(w, r)
}

// answer writes a refusal in the proxy's error style.
func answer(w http.ResponseWriter, status int) {
	h := w.Header()
	h["Connection"] = []string{"close"}
	h["Content-Type"] = []string{"text/plain; charset=utf-8"}
	h["X-Content-Type-Options"] = []string{"nosniff"}
	w.WriteHeader(status)
	_, _ = io.WriteString(w, http.StatusText(status)+"\n")
}
