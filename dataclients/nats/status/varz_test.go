package status

import (
	"encoding/json"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"
)

// varzKeys are the keys case 54 requires, plus credentials and log_counts.
var varzKeys = []string{
	"bad_gateways", "bad_requests", "cpu", "credentials", "droplets", "host", "index", "latency",
	"log_counts", "mem", "ms_since_last_registry_update", "num_cores", "rate", "requests",
	"requests_per_sec", "responses_2xx", "responses_3xx", "responses_4xx", "responses_5xx",
	"responses_xxx", "start", "tags", "top10_app_requests", "type", "uptime", "urls", "uuid",
}

// topLevelKeys returns the keys of a JSON object in document order.
func topLevelKeys(t *testing.T, doc string) []string {
	t.Helper()
	var keys []string
	dec := json.NewDecoder(strings.NewReader(doc))
	if tok, err := dec.Token(); err != nil || tok != json.Delim('{') {
		t.Fatalf("not an object: %v %v", tok, err)
	}
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			t.Fatal(err)
		}
		keys = append(keys, tok.(string))
		var skip json.RawMessage
		if err := dec.Decode(&skip); err != nil {
			t.Fatal(err)
		}
	}
	return keys
}

// TestVarz pins case 54 and §12.4: auth, the key set in gorouter's sorted
// order, the constant parts, credentials never shown, and the figures
// taken from the Varz source.
func TestVarz(t *testing.T) {
	start := time.Now().Add(-(26*time.Hour + 3*time.Minute + 4*time.Second))
	counters := NewCounters()
	counters.Observe(200, 10*time.Millisecond)
	counters.Observe(404, 10*time.Millisecond)
	counters.BadRequest()
	lastUpdate := time.Now().Add(-1500 * time.Millisecond)
	table := fakeRoutes{"a": {{Address: "1:1"}, {Address: "2:2"}}, "b": {{Address: "1:1"}}, "c": nil}
	src := VarzSource{Counters: counters, Table: RoutesTable(table, func() time.Time { return lastUpdate })}
	cfg := Config{User: "router-status", Password: "hunter2", EnableVarz: true, Index: 3, Host: "10.0.0.5:8080", Varz: src, Start: start}
	s := serve(t, NewHandler(cfg, table, fakeHealth(true)))

	if r := get(t, "GET", s.URL+"/varz", ""); r.status != 401 || r.body != "401 Unauthorized\n" {
		t.Fatalf("no auth: %d %q", r.status, r.body)
	}
	r := get(t, "GET", s.URL+"/varz", basic("router-status:hunter2"))
	if r.status != 200 || r.header.Get("Content-Type") != "application/json" {
		t.Fatalf("got %d %q", r.status, r.header.Get("Content-Type"))
	}
	if strings.Contains(r.body, "hunter2") {
		t.Fatal("/varz shows the password")
	}
	if keys := topLevelKeys(t, r.body); !slices.Equal(keys, varzKeys) {
		t.Fatalf("keys\n got %v\nwant %v", keys, varzKeys)
	}
	var v map[string]any
	if err := json.Unmarshal([]byte(r.body), &v); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		key  string
		want string // JSON of the value
	}{
		{"type", `"Router"`},
		{"index", `3`},
		{"host", `"10.0.0.5:8080"`},
		{"credentials", `[]`},
		{"log_counts", `{}`},
		{"start", `"` + start.Format("2006-01-02 15:04:05 -0700") + `"`},
		{"uptime", `"1d:2h:3m:4s"`},
		{"requests", `2`},
		{"responses_2xx", `1`},
		{"responses_4xx", `1`},
		{"responses_xxx", `0`},
		{"bad_requests", `1`},
		{"bad_gateways", `0`},
		{"urls", `3`},
		{"droplets", `2`},
		{"latency", `{"50":0.01,"75":0.01,"90":0.01,"95":0.01,"99":0.01,"samples":1,"value":5e-7}`},
		{"tags", `{"component":{}}`},
		{"top10_app_requests", `[]`},
	} {
		got, _ := json.Marshal(v[tc.key])
		if string(got) != tc.want {
			t.Errorf("%s = %s, want %s", tc.key, got, tc.want)
		}
	}
	if !regexp.MustCompile(`^3-[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`).MatchString(v["uuid"].(string)) {
		t.Errorf("uuid = %v", v["uuid"])
	}
	if ms := v["ms_since_last_registry_update"].(float64); ms < 1500 || ms > 60_000 {
		t.Errorf("ms_since_last_registry_update = %v", ms)
	}
	if rate := v["rate"].([]any); len(rate) != 3 || v["requests_per_sec"] != rate[0] {
		t.Errorf("rate = %v, requests_per_sec = %v", rate, v["requests_per_sec"])
	}
	if v["num_cores"].(float64) < 1 || v["mem"].(float64) < 1 {
		t.Errorf("num_cores = %v, mem = %v", v["num_cores"], v["mem"])
	}
	if cpu := v["cpu"].(float64); cpu < 0 {
		t.Errorf("cpu = %v", cpu)
	}
	if b := get(t, "GET", s.URL+"/routes", basic("router-status:hunter2")); b.status != 200 {
		t.Errorf("/routes with varz enabled: %d", b.status)
	}
}

// TestVarzDefaults pins a handler without a Varz source and without UUID or
// Start: zero figures, -1 ms since an update that never happened, and an
// uptime counted from NewHandler.
func TestVarzDefaults(t *testing.T) {
	s := serve(t, NewHandler(Config{EnableVarz: true, Index: 7}, nil, nil))
	r := get(t, "GET", s.URL+"/varz", basic(":"))
	var v map[string]any
	if err := json.Unmarshal([]byte(r.body), &v); err != nil {
		t.Fatal(err)
	}
	for key, want := range map[string]any{
		"requests": 0.0, "urls": 0.0, "droplets": 0.0, "ms_since_last_registry_update": -1.0,
		"uptime": "0d:0h:0m:0s", "host": "", "index": 7.0,
	} {
		if v[key] != want {
			t.Errorf("%s = %v, want %v", key, v[key], want)
		}
	}
	if !strings.HasPrefix(v["uuid"].(string), "7-") {
		t.Errorf("uuid = %v", v["uuid"])
	}
	// Explicit UUID is used as is.
	s2 := serve(t, NewHandler(Config{EnableVarz: true, Index: 7, UUID: "7-fixed"}, nil, nil))
	if r := get(t, "GET", s2.URL+"/varz", basic(":")); !strings.Contains(r.body, `"uuid":"7-fixed"`) {
		t.Errorf("body %s", r.body)
	}
}

func TestFormatUptime(t *testing.T) {
	for _, tc := range []struct {
		d    time.Duration
		want string
	}{
		{0, "0d:0h:0m:0s"},
		{999 * time.Millisecond, "0d:0h:0m:0s"},
		{59 * time.Second, "0d:0h:0m:59s"},
		{time.Hour + time.Second, "0d:1h:0m:1s"},
		{23*time.Hour + 59*time.Minute + 59*time.Second, "0d:23h:59m:59s"},
		{400 * 24 * time.Hour, "400d:0h:0m:0s"},
	} {
		if got := formatUptime(tc.d); got != tc.want {
			t.Errorf("formatUptime(%v) = %q, want %q", tc.d, got, tc.want)
		}
	}
}

func TestVarzSourceNil(t *testing.T) {
	if f := (VarzSource{}).Figures(); f != (VarzFigures{}) {
		t.Fatalf("%+v", f)
	}
}
