package status

import (
	"encoding/base64"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"
)

type fakeRoutes map[string][]Endpoint

func (f fakeRoutes) Snapshot() map[string][]Endpoint { return f }

type fakeHealth bool

func (f fakeHealth) Healthy() bool { return bool(f) }

// serve starts a real HTTP server on 127.0.0.1 for h, closed with the test.
func serve(t *testing.T, h http.Handler) *httptest.Server {
	t.Helper()
	s := httptest.NewServer(h)
	t.Cleanup(s.Close)
	return s
}

type reply struct {
	status int
	header http.Header
	body   string
	closed bool // the server asked to close the connection
}

// get sends one request with the given Authorization header ("" = none)
// over a fresh keep-alive connection and reads the whole reply; closed
// then says whether the server chose to close the connection.
func get(t *testing.T, method, url, authorization string) reply {
	t.Helper()
	req, err := http.NewRequest(method, url, nil)
	if err != nil {
		t.Fatal(err)
	}
	if authorization != "" {
		req.Header.Set("Authorization", authorization)
	}
	tr := &http.Transport{}
	defer tr.CloseIdleConnections()
	resp, err := (&http.Client{Transport: tr}).Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return reply{status: resp.StatusCode, header: resp.Header, body: string(b), closed: resp.Close}
}

func basic(userPass string) string {
	return "Basic " + base64.StdEncoding.EncodeToString([]byte(userPass))
}
