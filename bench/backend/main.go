// Command backend is the benchmark's origin server: it answers every
// request with a small fixed body on each address given.
package main

import (
	"flag"
	"log"
	"net/http"
	"strings"
)

func main() {
	addrs := flag.String("addrs", "127.0.0.1:9101", "comma-separated listen addresses")
	flag.Parse()
	body := []byte("Hello from the backend, a short answer of about sixty bytes.\n")
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/plain")
		w.Write(body)
	})
	list := strings.Split(*addrs, ",")
	errc := make(chan error, len(list))
	for _, a := range list {
		go func() { errc <- http.ListenAndServe(a, h) }()
	}
	log.Fatal(<-errc)
}
