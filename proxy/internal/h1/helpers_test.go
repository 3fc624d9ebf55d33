package h1

import (
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// testConfig is the configuration package proxy gives the client when
// its Options leave everything at the default.
func testConfig() Config {
	return Config{
		DialTimeout:           60 * time.Second,
		KeepAlive:             30 * time.Second,
		ResponseHeaderTimeout: 60 * time.Second,
		ReadIdleTimeout:       60 * time.Second,
		IdleConnTimeout:       20 * time.Second,
		MaxIdlePerHost:        64,
	}
}

func itoa(n int) string { return strconv.Itoa(n) }

// slow answers after d or when the request is canceled.
func slow(d time.Duration) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-time.After(d):
		case <-r.Context().Done():
		}
	}
}

// echo answers with some request facts in response headers and the body
// "backend".
func echo(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("X-Got-Host", r.Host)
	w.Header().Set("X-Got-Uri", r.RequestURI)
	w.Header().Set("X-Got-Trace", strings.Join(r.Header.Values("X-Trace"), ","))
	w.Header().Set("X-Got-UA", strings.Join(r.Header.Values("User-Agent"), ","))
	b, _ := io.ReadAll(r.Body)
	w.Header().Set("X-Got-Body", string(b))
	_, _ = io.WriteString(w, "backend")
}
