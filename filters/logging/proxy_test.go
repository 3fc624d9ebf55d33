package logging_test

import (
	"encoding/base64"
	"io"
	"net/http"
	"net/http/httptest"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/sirupsen/logrus"
	logtest "github.com/sirupsen/logrus/hooks/test"

	"github.com/skiff-proxy/skiff/accesslog"
	"github.com/skiff-proxy/skiff/filters/logging"
	"github.com/skiff-proxy/skiff/proxy"
	"github.com/skiff-proxy/skiff/proxy/proxytest"
)

type accessLog struct {
	mu      sync.Mutex
	entries map[string]proxy.AccessEntry // by route
}

func (l *accessLog) Log(e proxy.AccessEntry) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.entries[e.RouteId] = e
}

// entry waits for the access log entry of the route: the proxy logs after
// the client got the response.
func (l *accessLog) entry(t *testing.T, route string) proxy.AccessEntry {
	t.Helper()
	for deadline := time.Now().Add(5 * time.Second); time.Now().Before(deadline); time.Sleep(5 * time.Millisecond) {
		l.mu.Lock()
		e, ok := l.entries[route]
		l.mu.Unlock()
		if ok {
			return e
		}
	}
	t.Fatalf("no access log entry for %s", route)
	return proxy.AccessEntry{}
}

// TestThroughProxy runs the logging filters in the proxy, against a real
// backend, with the application log and the access log recorded.
func TestThroughProxy(t *testing.T) {
	big := strings.Repeat("0123456789", 100_000) // 1 MB
	be := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("X-Audit-Seen", r.Header.Get("X-Unverified-Audit"))
		w.Header().Set("Date", "Mon, 02 Jan 2006 15:04:05 GMT")
		switch r.URL.Path {
		case "/big":
			for i := 0; i < len(big); i += 64 << 10 {
				io.WriteString(w, big[i:min(i+64<<10, len(big))])
				w.(http.Flusher).Flush()
			}
		default:
			w.Header().Set("Content-Type", "text/plain")
			io.Copy(w, r.Body)
		}
	}))
	defer be.Close()
	logger, hook := logtest.NewNullLogger()
	logger.SetLevel(logrus.DebugLevel)
	access := &accessLog{entries: map[string]proxy.AccessEntry{}}
	srv := proxytest.Serve(t, strings.ReplaceAll(`
		hdr: Path("/hdr") -> logHeader("request", "response") -> "BE";
		body: Path("/body") -> logBody("request", 10) -> logBody("response", 4) -> "BE";
		big: Path("/big") -> logBody("response", 100) -> "BE";
		audit: Path("/audit") -> auditLog() -> "BE";
		down: Path("/down") -> auditLog() -> "http://127.0.0.1:1";
		shunt: Path("/shunt") -> auditLog() -> <shunt>;
		unverified: Path("/unverified") -> unverifiedAuditLog() -> "BE";
		mask: Path("/mask") -> maskAccessLogQuery("key") -> maskAccessLogQuery("token") -> "BE";
	`, "BE", be.URL), proxytest.Options{
		Filters: logging.Specs(logging.Options{MaxAuditBody: logging.DefaultMaxAuditBody}),
		Proxy:   proxy.Options{Log: logger, AccessLog: access},
	})
	client := srv.Client

	do := func(method, path, body string, hdr ...string) (*http.Response, string) {
		t.Helper()
		hook.Reset()
		req, _ := http.NewRequest(method, srv.URL+path, strings.NewReader(body))
		if body == "" {
			req.Body = nil
		}
		for i := 0; i+1 < len(hdr); i += 2 {
			req.Header.Set(hdr[i], hdr[i+1])
		}
		rsp, err := client.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		b, err := io.ReadAll(rsp.Body)
		rsp.Body.Close()
		if err != nil {
			t.Fatal(err)
		}
		return rsp, string(b)
	}
	messages := func(route string) []string {
		var m []string
		for _, e := range hook.AllEntries() {
			if e.Data["route"] != route {
				t.Errorf("entry %q logged for route %v, want %s", e.Message, e.Data["route"], route)
			}
			if e.Level != logrus.InfoLevel {
				t.Errorf("entry %q at level %v", e.Message, e.Level)
			}
			m = append(m, e.Message)
		}
		return m
	}
	check := func(route string, want ...string) {
		t.Helper()
		// The proxy's log entries of a request are complete once the
		// access log has it.
		access.entry(t, route)
		if got := messages(route); !reflect.DeepEqual(got, want) {
			t.Errorf("%s: log\n%q\nwant\n%q", route, got, want)
		}
	}

	t.Run("logHeader", func(t *testing.T) {
		do("GET", "/hdr?q=1", "", "Authorization", "Bearer secret", "X-Flow-Id", "f1")
		host := strings.TrimPrefix(srv.URL, "http://")
		check("hdr",
			"GET /hdr HTTP/1.1\r\nHost: "+host+"\r\nAccept-Encoding: gzip\r\nAuthorization: TRUNCATED\r\n"+
				"User-Agent: Go-http-client/1.1\r\nX-Flow-Id: f1\r\n\r\n",
			"Response for GET /hdr HTTP/1.1\r\n200 OK\r\nContent-Length: 0\r\nContent-Type: text/plain\r\n"+
				"Date: Mon, 02 Jan 2006 15:04:05 GMT\r\nServer: skiff\r\nX-Audit-Seen: \r\n\r\n")
	})
	t.Run("logBody", func(t *testing.T) {
		_, got := do("POST", "/body", "hello, world", "X-Flow-Id", "f2")
		if got != "hello, world" {
			t.Errorf("body %q", got)
		}
		check("body", `logBody("request") f2: "hello, wor"`, `logBody("response") f2: "hell"`)
	})
	t.Run("logBody streams", func(t *testing.T) {
		_, got := do("GET", "/big", "")
		if got != big {
			t.Errorf("body of %d bytes, want %d", len(got), len(big))
		}
		access.entry(t, "big")
		var logged strings.Builder
		for _, m := range messages("big") {
			chunk, ok := strings.CutPrefix(m, `logBody("response") : `)
			if !ok {
				t.Fatalf("log %q", m)
			}
			logged.WriteString(strings.Trim(chunk, `"`))
		}
		if logged.String() != big[:100] {
			t.Errorf("logged %q", logged.String())
		}
	})
	t.Run("auditLog", func(t *testing.T) {
		do("POST", "/audit?x=1", `{"name":"jo"}`)
		check("audit", `{"method":"POST","path":"/audit","status":200,"requestBody":"{\"name\":\"jo\"}"}`)
		rsp, _ := do("POST", "/down", "abc")
		if rsp.StatusCode != 502 {
			t.Errorf("/down: status %d", rsp.StatusCode)
		}
		// The proxy read the small body before it tried to connect.
		check("down", `{"method":"POST","path":"/down","status":502,"requestBody":"abc"}`)
		do("POST", "/shunt", "drained")
		check("shunt", `{"method":"POST","path":"/shunt","status":404,"requestBody":"drained"}`)
	})
	t.Run("unverifiedAuditLog", func(t *testing.T) {
		token := "e30." + base64.RawURLEncoding.EncodeToString([]byte(`{"sub":"jdoe@example.org"}`)) + ".sig"
		rsp, _ := do("GET", "/unverified", "", "Authorization", "Bearer "+token, "X-Unverified-Audit", "admin")
		if got := rsp.Header.Get("X-Audit-Seen"); got != "jdoe@example.org" {
			t.Errorf("backend saw %q", got)
		}
		if got := access.entry(t, "unverified").Audit; got != "jdoe@example.org" {
			t.Errorf("access log audit %q", got)
		}
	})
	t.Run("maskAccessLogQuery", func(t *testing.T) {
		do("GET", "/mask?a=1&key=secret&token=t", "")
		e := access.entry(t, "mask")
		keys := accesslog.MaskedQueryParams(e.Additional)
		if !reflect.DeepEqual(keys, map[string]struct{}{"key": {}, "token": {}}) {
			t.Fatalf("masked %v", keys)
		}
		// What the access log prints once it applies the mask.
		if got, want := accesslog.MaskQuery(e.URI, keys), "/mask?a=1&key=2785137068760415354&token=10632242795325663332"; got != want {
			t.Errorf("masked URI %q, want %q", got, want)
		}
	})
}
