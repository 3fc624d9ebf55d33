// Command ceiling serves HTTP/1.1 in the simplest ways Go allows, so that
// bench/ceiling.sh can show how far skiff is from what Go itself costs per
// request on the same machine:
//
//	ceiling -mode nethttp    net/http's server answering by itself
//	ceiling -mode raw        a read loop answering by itself: no parsing
//	ceiling -mode rawproxy   a read loop forwarding each request head to a
//	                         backend over one connection per client
//	                         connection and relaying the answer
//
// The raw modes understand only what wrk sends (bodiless requests, answers
// framed by Content-Length): they are yardsticks, not servers.
package main

import (
	"bufio"
	"bytes"
	"errors"
	"flag"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"strconv"
)

const body = "Hello from the backend, a short answer of about sixty bytes.\n"

func main() {
	mode := flag.String("mode", "nethttp", "nethttp, raw or rawproxy")
	addr := flag.String("addr", "127.0.0.1:19400", "listen address")
	backend := flag.String("backend", "", "backend host:port (rawproxy)")
	flag.Parse()
	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		log.Fatal(err)
	}
	switch *mode {
	case "nethttp":
		log.Fatal(http.Serve(ln, http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
			_, _ = io.WriteString(w, body)
		})))
	case "raw":
		serve(ln, answer)
	case "rawproxy":
		if *backend == "" {
			log.Fatal("rawproxy needs -backend")
		}
		serve(ln, func(c net.Conn) { relay(c, *backend) })
	default:
		log.Fatalf("unknown mode %q", *mode)
	}
}

func serve(ln net.Listener, handle func(net.Conn)) {
	for {
		c, err := ln.Accept()
		if err != nil {
			log.Fatal(err)
		}
		go func() {
			defer c.Close()
			handle(c)
		}()
	}
}

// readHead reads one request or response head from br into dst and
// returns the Content-Length it announced (0 when none).
func readHead(br *bufio.Reader, dst *bytes.Buffer) (int, error) {
	n := 0
	for {
		line, err := br.ReadSlice('\n')
		if err != nil {
			return 0, err
		}
		dst.Write(line)
		if len(line) <= 2 {
			return n, nil
		}
		if k, v, ok := bytes.Cut(line, []byte(":")); ok && bytes.EqualFold(k, []byte("Content-Length")) {
			if n, err = strconv.Atoi(string(bytes.TrimSpace(v))); err != nil {
				return 0, fmt.Errorf("content-length %q: %w", v, err)
			}
		}
	}
}

func answer(c net.Conn) {
	rsp := []byte("HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: " + strconv.Itoa(len(body)) + "\r\n\r\n" + body)
	br := bufio.NewReader(c)
	var head bytes.Buffer
	for {
		head.Reset()
		if _, err := readHead(br, &head); err != nil {
			return
		}
		if _, err := c.Write(rsp); err != nil {
			return
		}
	}
}

func relay(c net.Conn, backend string) {
	b, err := net.Dial("tcp", backend)
	if err != nil {
		log.Print(err)
		return
	}
	defer b.Close()
	br, bbr := bufio.NewReader(c), bufio.NewReader(b)
	var head, out bytes.Buffer
	for {
		head.Reset()
		if _, err := readHead(br, &head); err != nil {
			return
		}
		if _, err := b.Write(head.Bytes()); err != nil {
			return
		}
		out.Reset()
		n, err := readHead(bbr, &out)
		if err != nil {
			return
		}
		if _, err := io.CopyN(&out, bbr, int64(n)); err != nil {
			if !errors.Is(err, io.EOF) {
				log.Print(err)
			}
			return
		}
		if _, err := c.Write(out.Bytes()); err != nil {
			return
		}
	}
}
