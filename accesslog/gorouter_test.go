package accesslog

import (
	"regexp"
	"strings"
	"testing"
	"time"
)

// The two lines of test case 52 (nats.md §18): a proxied 200 and a 404.
var (
	case52OK       = regexp.MustCompile(`^app\.test - \[\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{9}Z\] "GET /p\?x=1 HTTP/1\.1" 200 0 \d+ "-" "[^"]*" "127\.0\.0\.1:\d+" "127\.0\.0\.1:\d+" x_forwarded_for:"127\.0\.0\.1" x_forwarded_proto:"http" vcap_request_id:"[0-9a-f-]{36}" response_time:\d+\.\d{6} gorouter_time:\d+\.\d{6} app_id:"[^"]+" app_index:"2" instance_id:"inst-1" x_cf_routererror:"-"$`)
	case52NotFound = regexp.MustCompile(`^app\.test - \[\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{9}Z\] "GET /p\?x=1 HTTP/1\.1" 404 0 \d+ "-" "[^"]*" "127\.0\.0\.1:\d+" "-" x_forwarded_for:"-" x_forwarded_proto:"-" vcap_request_id:"[0-9a-f-]{36}" response_time:\d+\.\d{6} gorouter_time:0\.000000 app_id:"-" app_index:"-" instance_id:"-" x_cf_routererror:"unknown_route"$`)
)

func gorouterEntry() Entry {
	return Entry{
		Start:           time.Date(2025, 3, 4, 11, 11, 12, 123456789, time.FixedZone("CET", 3600)),
		Duration:        4512 * time.Microsecond,
		Status:          200,
		BytesWritten:    17,
		Method:          "GET",
		URI:             "/api/v1?x=1",
		Proto:           "HTTP/1.1",
		Host:            "myapp.example.com",
		UserAgent:       "curl/8.5.0",
		RemoteAddr:      "10.0.0.9:51234",
		Backend:         "10.0.16.4:61002",
		BackendDuration: 4202 * time.Microsecond,
		ForwardedFor:    "10.0.0.9",
		ForwardedProto:  "http",
		RequestID:       "from-the-header",
		Additional: map[string]any{
			KeyAppID: "6e7f...", KeyAppIndex: "0", KeyInstanceID: "5b1c...",
			KeyRequestID: "1b0f0a52-6a0e-4d2f-77f2-2c1d7c6e9a10",
		},
	}
}

func case52Entries() (ok, notFound Entry) {
	ok = Entry{
		Start:           time.Now(),
		Duration:        3 * time.Millisecond,
		Status:          200,
		BytesWritten:    5,
		Method:          "GET",
		URI:             "/p?x=1",
		Proto:           "HTTP/1.1",
		Host:            "app.test",
		UserAgent:       "Go-http-client/1.1",
		RemoteAddr:      "127.0.0.1:40000",
		Backend:         "127.0.0.1:40001",
		BackendDuration: 2 * time.Millisecond,
		ForwardedFor:    "127.0.0.1",
		ForwardedProto:  "http",
		Additional: map[string]any{
			KeyAppID: "app-guid", KeyAppIndex: 2, KeyInstanceID: "inst-1",
			KeyRequestID: "0b5a1d2e-1c3f-4a5b-6c7d-8e9f0a1b2c3d",
		},
	}
	notFound = Entry{
		Start:        time.Now(),
		Duration:     time.Millisecond,
		Status:       404,
		BytesWritten: 42,
		Method:       "GET",
		URI:          "/p?x=1",
		Proto:        "HTTP/1.1",
		Host:         "app.test",
		UserAgent:    "Go-http-client/1.1",
		RemoteAddr:   "127.0.0.1:40000",
		RequestID:    "0b5a1d2e-1c3f-4a5b-6c7d-8e9f0a1b2c3d",
		RouterError:  "unknown_route",
	}
	return ok, notFound
}

func TestGorouter(t *testing.T) {
	spec := gorouterEntry()
	hostile := gorouterEntry()
	hostile.URI = "/a\"b\x01\xff"
	hostile.Referer = `say "hi"`
	hostile.UserAgent = "ua\\\tx ü"
	hostile.ForwardedFor = "1.2.3.4, 5.6.7.8"
	hostile.Additional = map[string]any{KeyAppID: "a\nb", KeyAppIndex: int64(7), KeyRouterError: "endpoint_failure"}
	hostile.RouterError = "not this one"
	slowBackend := gorouterEntry()
	slowBackend.BackendDuration = slowBackend.Duration + time.Nanosecond
	noBackend := Entry{Start: spec.Start, Duration: 1500 * time.Microsecond, BackendDuration: time.Second}
	for _, tc := range []struct {
		name  string
		e     Entry
		strip bool
		want  string
	}{
		{"spec example", spec, false,
			`myapp.example.com - [2025-03-04T10:11:12.123456789Z] "GET /api/v1?x=1 HTTP/1.1" 200 0 17 "-" "curl/8.5.0" "10.0.0.9:51234" "10.0.16.4:61002" x_forwarded_for:"10.0.0.9" x_forwarded_proto:"http" vcap_request_id:"1b0f0a52-6a0e-4d2f-77f2-2c1d7c6e9a10" response_time:0.004512 gorouter_time:0.000310 app_id:"6e7f..." app_index:"0" instance_id:"5b1c..." x_cf_routererror:"-"`},
		{"strip query", spec, true,
			`myapp.example.com - [2025-03-04T10:11:12.123456789Z] "GET /api/v1 HTTP/1.1" 200 0 17 "-" "curl/8.5.0" "10.0.0.9:51234" "10.0.16.4:61002" x_forwarded_for:"10.0.0.9" x_forwarded_proto:"http" vcap_request_id:"1b0f0a52-6a0e-4d2f-77f2-2c1d7c6e9a10" response_time:0.004512 gorouter_time:0.000310 app_id:"6e7f..." app_index:"0" instance_id:"5b1c..." x_cf_routererror:"-"`},
		{"Go quoting, Additional wins over fields", hostile, false,
			`myapp.example.com - [2025-03-04T10:11:12.123456789Z] "GET /a\"b\x01\xff HTTP/1.1" 200 0 17 "say \"hi\"" "ua\\\tx ü" "10.0.0.9:51234" "10.0.16.4:61002" x_forwarded_for:"1.2.3.4, 5.6.7.8" x_forwarded_proto:"http" vcap_request_id:"from-the-header" response_time:0.004512 gorouter_time:0.000310 app_id:"a\nb" app_index:"7" instance_id:"-" x_cf_routererror:"endpoint_failure"`},
		{"negative gorouter time", slowBackend, false,
			`myapp.example.com - [2025-03-04T10:11:12.123456789Z] "GET /api/v1?x=1 HTTP/1.1" 200 0 17 "-" "curl/8.5.0" "10.0.0.9:51234" "10.0.16.4:61002" x_forwarded_for:"10.0.0.9" x_forwarded_proto:"http" vcap_request_id:"1b0f0a52-6a0e-4d2f-77f2-2c1d7c6e9a10" response_time:0.004512 gorouter_time:- app_id:"6e7f..." app_index:"0" instance_id:"5b1c..." x_cf_routererror:"-"`},
		{"empty, no backend", noBackend, false,
			` - [2025-03-04T10:11:12.123456789Z] "  " "-" 0 0 "-" "-" "-" "-" x_forwarded_for:"-" x_forwarded_proto:"-" vcap_request_id:"-" response_time:0.001500 gorouter_time:0.000000 app_id:"-" app_index:"-" instance_id:"-" x_cf_routererror:"-"`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := string(appendGorouter(nil, &tc.e, tc.strip))
			if !strings.HasSuffix(got, "\n") {
				t.Fatalf("no trailing newline: %q", got)
			}
			if got = strings.TrimSuffix(got, "\n"); got != tc.want {
				t.Errorf("got  %s\nwant %s", got, tc.want)
			}
		})
	}
}

func TestGorouterCase52(t *testing.T) {
	ok, notFound := case52Entries()
	for _, tc := range []struct {
		name string
		e    Entry
		re   *regexp.Regexp
	}{
		{"proxied 200", ok, case52OK},
		{"404", notFound, case52NotFound},
	} {
		t.Run(tc.name, func(t *testing.T) {
			line := strings.TrimSuffix(string(appendGorouter(nil, &tc.e, false)), "\n")
			if !tc.re.MatchString(line) {
				t.Errorf("line does not match test case 52:\n%s\n%s", line, tc.re)
			}
		})
	}
}

func TestParseFormat(t *testing.T) {
	for _, f := range []Format{FormatCombined, FormatJSON, FormatGorouter} {
		got, err := ParseFormat(f.String())
		if err != nil || got != f {
			t.Errorf("ParseFormat(%q) = %v, %v", f.String(), got, err)
		}
	}
	var f Format
	if err := f.Set("apache"); err == nil {
		t.Error("unknown format accepted")
	}
	if err := f.Set("gorouter"); err != nil || f != FormatGorouter {
		t.Errorf("Set(gorouter): %v, %v", f, err)
	}
}

func TestLoggerGorouter(t *testing.T) {
	for _, tc := range []struct {
		o    Options
		want string
	}{
		{Options{Format: FormatGorouter}, "myapp.example.com - ["},
		{Options{Format: FormatGorouter, JSON: true}, "myapp.example.com - ["},
		{Options{JSON: true}, `{"timestamp":`},
		{Options{}, "- - - ["},
	} {
		g := &gate{release: make(chan struct{})}
		close(g.release)
		tc.o.Output = g
		l := New(tc.o)
		l.Log(gorouterEntry())
		l.Close()
		if !strings.HasPrefix(g.String(), tc.want) {
			t.Errorf("format %v json %v: %q, want prefix %q", tc.o.Format, tc.o.JSON, g.String(), tc.want)
		}
	}
}

func BenchmarkGorouter(b *testing.B) {
	e := gorouterEntry()
	buf := make([]byte, 0, 1024)
	b.ReportAllocs()
	for b.Loop() {
		buf = appendGorouter(buf[:0], &e, false)
	}
}
