package e2e

import (
	"encoding/base64"
	"encoding/json"
	"io"
	"net/http"
	"sort"
	"strings"
	"testing"

	"github.com/sirupsen/logrus"
	logtest "github.com/sirupsen/logrus/hooks/test"

	"github.com/skiff-proxy/skiff"
	"github.com/skiff-proxy/skiff/accesslog"
	"github.com/skiff-proxy/skiff/filters"
	"github.com/skiff-proxy/skiff/filters/annotate"
	"github.com/skiff-proxy/skiff/filters/headers"
	"github.com/skiff-proxy/skiff/filters/logging"
	"github.com/skiff-proxy/skiff/filters/tracing"
)

// miscFilters are the filters of filters/annotate, filters/logging,
// filters/tracing and headers.EncodingSpecs, registered as custom filters
// (replacing the built-ins of the same names once those are wired), plus
// miscShow, which answers with the request's annotations.
func miscFilters() []filters.Spec {
	specs := append(headers.EncodingSpecs(), annotate.Specs()...)
	specs = append(specs, tracing.Specs()...)
	specs = append(specs, logging.Specs(logging.Options{MaxAuditBody: logging.DefaultMaxAuditBody})...)
	return append(specs, miscShowSpec{})
}

type miscShowSpec struct{}

func (miscShowSpec) Name() string                               { return "miscShow" }
func (miscShowSpec) CreateFilter([]any) (filters.Filter, error) { return miscShow{}, nil }

type miscShow struct{}

func (miscShow) Request(ctx filters.FilterContext) {
	var kv []string
	for k, v := range annotate.Annotations(ctx) {
		kv = append(kv, k+"="+v)
	}
	sort.Strings(kv)
	ctx.Serve(&http.Response{StatusCode: 200, Header: http.Header{"X-Annotations": {strings.Join(kv, ";")}}})
}
func (miscShow) Response(filters.FilterContext) {}

// miscStart runs skiff with the misc filters, the backend's address for
// BE in routes, and an application log whose entries the returned hook
// holds.
func miscStart(t *testing.T, routes string, be string, o skiff.Options) (*instance, *logtest.Hook) {
	t.Helper()
	logger, hook := logtest.NewNullLogger()
	logger.SetLevel(logrus.InfoLevel)
	o.Log = logger
	o.CustomFilters = append(o.CustomFilters, miscFilters()...)
	return start(t, strings.ReplaceAll(routes, "BE", be), o), hook
}

// miscMessages are the application log messages of route.
func miscMessages(hook *logtest.Hook, route string) []string {
	var m []string
	for _, e := range hook.AllEntries() {
		if e.Data["route"] == route {
			m = append(m, e.Message)
		}
	}
	return m
}

// TestMiscSkipperExamples loads skipper's documented examples of these
// filters and checks what a client and a backend see.
func TestMiscSkipperExamples(t *testing.T) {
	be := newBackend(t, "b", func(w http.ResponseWriter, r *http.Request) {
		for _, h := range []string{"X-Foo", "Authorization", "X-Unverified-Audit"} {
			w.Header()["X-Seen-"+h] = r.Header[h]
		}
		w.Header().Set("X-Out", "Grüße")
	})
	in, _ := miscStart(t, routes(
		`enc: Path("/enc") -> encodeRequestHeader("X-Foo", "Windows1252") -> encodeResponseHeader("X-Out", "ISO8859_1") -> "BE";`,
		`dec: Path("/dec") -> decodeBase64RequestHeader("Authorization", 1) -> encodeBase64ResponseHeader("X-Out") -> "BE";`,
		`encb: Path("/encb") -> encodeBase64RequestHeader("X-Foo", 2) -> "BE";`,
		`ann: Path("/ann") -> annotate("never", "gonna give you up") -> annotate("never", "gonna let you down") -> miscShow() -> <shunt>;`,
		`origin: Path("/origin") -> originMarker("apiUsageMonitoring", "deployment1", "2019-08-30T09:55:51Z") -> "BE";`,
		`trace: Path("/trace") -> stateBagToTag("auth-user", "client_id") -> tracingTag("http.flow_id", "${request.header.X-Flow-Id}")`+
			` -> tracingTagFromResponse("up", "${response.header.X-Out}") -> tracingTagFromResponseIfStatus("error", "true", 500, 599)`+
			` -> tracingBaggageToTag("foo", "baz") -> tracingSpanName("api-operation") -> "BE";`,
	), be.URL, skiff.Options{})

	for _, tc := range []struct {
		path string
		hdr  []string
		want map[string]string
	}{
		{"/enc", []string{"X-Foo", "Jürgen"}, map[string]string{"X-Seen-X-Foo": "J\xfcrgen", "X-Out": "Gr\xfc\xdfe"}},
		{"/dec", []string{"Authorization", "Basic dXNlcjpwdw=="},
			map[string]string{"X-Seen-Authorization": "Basic user:pw", "X-Out": base64.StdEncoding.EncodeToString([]byte("Grüße"))}},
		{"/encb", []string{"X-Foo", "a b c d"}, map[string]string{"X-Seen-X-Foo": "a b Yw== d"}},
		{"/ann", nil, map[string]string{"X-Annotations": "never=gonna let you down"}},
		{"/origin", nil, map[string]string{"X-Backend": "b"}},
		{"/trace", []string{"X-Flow-Id", "f1"}, map[string]string{"X-Backend": "b", "X-Out": "Grüße"}},
	} {
		rsp := in.get(t, tc.path, tc.hdr...)
		if rsp.status != 200 {
			t.Errorf("%s: status %d", tc.path, rsp.status)
		}
		for k, v := range tc.want {
			if got := rsp.header.Get(k); got != v {
				t.Errorf("%s: %s = %q, want %q", tc.path, k, got, v)
			}
		}
	}
}

// TestMiscLogging checks the logging filters' entries in the application
// log and the access log.
func TestMiscLogging(t *testing.T) {
	be := newBackend(t, "b", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("X-Seen-Audit", r.Header.Get("X-Unverified-Audit"))
		buf := make([]byte, 64)
		n, _ := r.Body.Read(buf)
		w.Write(buf[:n])
	})
	in, hook := miscStart(t, routes(
		`body: Path("/body") -> logBody("request", 5) -> logBody("response", 3) -> "BE";`,
		`hdr: Path("/hdr") -> logHeader() -> "BE";`,
		`audit: Path("/audit") -> auditLog() -> unverifiedAuditLog("azp", "sub") -> "BE";`,
		`mask: Path("/mask") -> maskAccessLogQuery("key") -> "BE";`,
	), be.URL, skiff.Options{AccessLogJSON: true})

	post := func(path, body string, hdr ...string) response {
		t.Helper()
		req, err := http.NewRequest("POST", in.url+path, strings.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		for i := 0; i+1 < len(hdr); i += 2 {
			req.Header.Set(hdr[i], hdr[i+1])
		}
		rsp, err := in.client.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer rsp.Body.Close()
		b, err := io.ReadAll(rsp.Body)
		if err != nil {
			t.Fatal(err)
		}
		return response{status: rsp.StatusCode, header: rsp.Header, body: string(b)}
	}

	if rsp := post("/body", "hello, world", "X-Flow-Id", "flow-7"); rsp.body != "hello, world" {
		t.Errorf("/body: %q", rsp.body)
	}
	token := "e30." + base64.RawURLEncoding.EncodeToString([]byte(`{"sub":"jdoe","azp":"billing/app"}`)) + ".sig"
	if rsp := post("/audit?x=1", `{"a":1}`, "Authorization", "Bearer "+token); rsp.header.Get("X-Seen-Audit") != "billing/app" {
		t.Errorf("/audit: backend saw X-Unverified-Audit %q", rsp.header.Get("X-Seen-Audit"))
	}
	in.get(t, "/hdr", "Authorization", "Basic secret")
	in.get(t, "/mask?key=secret&a=1")
	in.stop(t) // flushes the access log

	for route, want := range map[string][]string{
		"body":  {`logBody("request") flow-7: "hello"`, `logBody("response") flow-7: "hel"`},
		"audit": {`{"method":"POST","path":"/audit","status":200,"requestBody":"{\"a\":1}"}`},
	} {
		if got := miscMessages(hook, route); strings.Join(got, "\n") != strings.Join(want, "\n") {
			t.Errorf("%s: log %q, want %q", route, got, want)
		}
	}
	hdr := miscMessages(hook, "hdr")
	if len(hdr) != 1 || !strings.HasPrefix(hdr[0], "GET /hdr HTTP/1.1\r\nHost: ") ||
		!strings.Contains(hdr[0], "\r\nAuthorization: TRUNCATED\r\n") || strings.Contains(hdr[0], "secret") {
		t.Errorf("hdr: log %q", hdr)
	}

	lines := miscAccessLines(t, in.access.String())
	if got := lines["/audit?x=1"]["audit"]; got != "billing/app" {
		t.Errorf("access log audit field %v", got)
	}
	masked := false
	for uri := range lines {
		masked = masked || strings.HasPrefix(uri, "/mask?")
	}
	if !masked {
		t.Errorf("no access log line for /mask: %v", lines)
	}
}

// TestMiscMaskAccessLogQuery is what the access log prints for a route
// with maskAccessLogQuery once it applies the mask (filters/logging's
// README says how).
func TestMiscMaskAccessLogQuery(t *testing.T) {
	be := newBackend(t, "b", nil)
	for _, asJSON := range []bool{true, false} {
		in, _ := miscStart(t, routes(`mask: Path("/mask") -> maskAccessLogQuery("key", "token") -> "BE";`),
			be.URL, skiff.Options{AccessLogJSON: asJSON})
		in.get(t, "/mask?token=&key=secret&a=1")
		in.stop(t)
		log := in.access.String()
		if !strings.Contains(log, "/mask?token=&key=2785137068760415354&a=1") || strings.Contains(log, "secret") {
			t.Errorf("json %v: access log %q", asJSON, log)
		}
		if asJSON && strings.Contains(log, accesslog.MaskedQueryParamsKey) {
			t.Errorf("access log prints the set of masked names: %q", log)
		}
	}
}

// miscAccessLines parses JSON access log lines by URI.
func miscAccessLines(t *testing.T, log string) map[string]map[string]any {
	t.Helper()
	lines := map[string]map[string]any{}
	for _, l := range strings.Split(strings.TrimSpace(log), "\n") {
		var e map[string]any
		if err := json.Unmarshal([]byte(l), &e); err != nil {
			t.Fatalf("access log line %q: %v", l, err)
		}
		uri, _ := e["uri"].(string)
		lines[uri] = e
	}
	return lines
}
