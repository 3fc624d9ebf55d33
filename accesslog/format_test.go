package accesslog

import (
	"encoding/json"
	"testing"
	"time"
)

func sampleEntry() Entry {
	return Entry{
		Start:        time.Date(2019, 2, 5, 14, 31, 5, 0, time.FixedZone("", 3600)),
		Duration:     457 * time.Millisecond,
		Status:       200,
		BytesWritten: 164408,
		ClientIP:     "::1",
		Method:       "GET",
		URI:          "/",
		Proto:        "HTTP/1.1",
		Host:         "localhost:9090",
		UserAgent:    "curl/7.49.0",
	}
}

// hostile has values a client controls that would break the line's fields.
func hostile() Entry {
	e := sampleEntry()
	e.ClientIP = "10.1.2.3, 10.0.0.1"
	e.AuthUser = "a b"
	e.URI = `/a"b`
	e.Referer = `say "hi"`
	e.UserAgent = "ua\\\tx"
	e.FlowId = "f l o w"
	e.Audit = "a\nu"
	return e
}

func TestText(t *testing.T) {
	full := sampleEntry()
	full.URI = "/a?b=c"
	full.AuthUser = "jo"
	full.Referer = "http://ref/"
	full.FlowId = "flow1"
	full.Audit = "aud"
	for _, tc := range []struct {
		name  string
		e     Entry
		strip bool
		want  string
	}{
		{"spec example", sampleEntry(), false,
			`::1 - - [05/Feb/2019:14:31:05 +0100] "GET / HTTP/1.1" 200 164408 "-" "curl/7.49.0" 457 localhost:9090 - -` + "\n"},
		{"all fields", full, false,
			`::1 - jo [05/Feb/2019:14:31:05 +0100] "GET /a?b=c HTTP/1.1" 200 164408 "http://ref/" "curl/7.49.0" 457 localhost:9090 flow1 aud` + "\n"},
		{"strip query", full, true,
			`::1 - jo [05/Feb/2019:14:31:05 +0100] "GET /a HTTP/1.1" 200 164408 "http://ref/" "curl/7.49.0" 457 localhost:9090 flow1 aud` + "\n"},
		{"client list and hostile values", hostile(), false,
			`10.1.2.3, 10.0.0.1 - a\x20b [05/Feb/2019:14:31:05 +0100] "GET /a\x22b HTTP/1.1" 200 164408 "say \x22hi\x22" "ua\x5c\x09x" 457 localhost:9090 f\x20l\x20o\x20w a\x0au` + "\n"},
		{"empty", Entry{Start: sampleEntry().Start, Status: 499}, false,
			`- - - [05/Feb/2019:14:31:05 +0100] "  " 499 0 "-" "-" 0 - - -` + "\n"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := string(appendText(nil, &tc.e, tc.strip))
			if got != tc.want {
				t.Errorf("got  %q\nwant %q", got, tc.want)
			}
		})
	}
}

func TestJSON(t *testing.T) {
	e := sampleEntry()
	e.URI = "/x?secret=1"
	e.UserAgent = "a \"quoted\"\n agent \xff"
	e.Additional = map[string]any{"team": "core", "n": 3, "status": "must not override"}
	line := appendJSON(nil, &e, true)
	if line[len(line)-1] != '\n' {
		t.Fatal("no trailing newline")
	}
	var got map[string]any
	if err := json.Unmarshal(line, &got); err != nil {
		t.Fatalf("invalid JSON %s: %v", line, err)
	}
	want := map[string]any{
		"timestamp": "05/Feb/2019:14:31:05 +0100", "host": "::1", "method": "GET",
		"uri": "/x", "proto": "HTTP/1.1", "referer": "", "user-agent": "a \"quoted\"\n agent \ufffd",
		"status": 200.0, "response-size": 164408.0, "requested-host": "localhost:9090",
		"duration": 457.0, "flow-id": "", "audit": "", "auth-user": "", "team": "core", "n": 3.0,
	}
	if len(got) != len(want) {
		t.Errorf("got %d keys, want %d: %v", len(got), len(want), got)
	}
	for k, v := range want {
		if got[k] != v {
			t.Errorf("%s: got %#v, want %#v", k, got[k], v)
		}
	}
}

func BenchmarkText(b *testing.B) {
	e := sampleEntry()
	buf := make([]byte, 0, 512)
	b.ReportAllocs()
	for b.Loop() {
		buf = appendText(buf[:0], &e, false)
	}
}
