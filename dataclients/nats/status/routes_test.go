package status

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"testing"
)

// TestRoutesDocument pins the /routes bytes (§12.3, case 5): key order,
// field order, which fields are omitted, [] for an empty pool, and the
// trailing newline.
func TestRoutesDocument(t *testing.T) {
	full := Endpoint{
		Address: "10.0.16.4:61002", AvailabilityZone: "z1", Protocol: "http1", TLS: true, TTL: 120,
		RouteServiceURL: "https://rs.example.com", Tags: map[string]string{"component": "route-emitter"},
		IsolationSegment: "iso1", PrivateInstanceID: "5b1c", ServerCertDomainSAN: "5b1c-san",
		LoadBalancingAlgorithm: "least-connection",
	}
	for _, tc := range []struct {
		name   string
		routes Routes
		want   string
	}{
		{
			name: "case 5",
			routes: fakeRoutes{"app.test": {{
				Address: "127.0.0.1:4711", Protocol: "http1", TTL: 4,
				Tags: map[string]string{"component": "route-emitter"}, PrivateInstanceID: "inst-1",
			}}},
			want: `{"app.test":[{"address":"127.0.0.1:4711","availability_zone":"","protocol":"http1","tls":false,"ttl":4,"tags":{"component":"route-emitter"},"private_instance_id":"inst-1"}]}` + "\n",
		},
		{
			name:   "every field",
			routes: fakeRoutes{"myapp.apps.example.com/api": {full}},
			want:   `{"myapp.apps.example.com/api":[{"address":"10.0.16.4:61002","availability_zone":"z1","protocol":"http1","tls":true,"ttl":120,"route_service_url":"https://rs.example.com","tags":{"component":"route-emitter"},"isolation_segment":"iso1","private_instance_id":"5b1c","server_cert_domain_san":"5b1c-san","load_balancing_algorithm":"least-connection"}]}` + "\n",
		},
		{
			name:   "nil tags are null, empty tags are {}",
			routes: fakeRoutes{"a": {{Address: "1.1.1.1:1", Protocol: "http2"}, {Address: "1.1.1.2:1", Tags: map[string]string{}}}},
			want:   `{"a":[{"address":"1.1.1.1:1","availability_zone":"","protocol":"http2","tls":false,"ttl":0,"tags":null},{"address":"1.1.1.2:1","availability_zone":"","protocol":"","tls":false,"ttl":0,"tags":{}}]}` + "\n",
		},
		{
			name:   "sorted keys, pool order kept, empty pools",
			routes: fakeRoutes{"b.x.com": {{Address: "2:2"}, {Address: "1:1"}}, "*.x.com": nil, "a.x.com/p": {}},
			want:   `{"*.x.com":[],"a.x.com/p":[],"b.x.com":[{"address":"2:2","availability_zone":"","protocol":"","tls":false,"ttl":0,"tags":null},{"address":"1:1","availability_zone":"","protocol":"","tls":false,"ttl":0,"tags":null}]}` + "\n",
		},
		{name: "empty table", routes: fakeRoutes{}, want: "{}\n"},
		{name: "nil routes", routes: nil, want: "{}\n"},
		{
			name:   "HTML-safe escaping like json.Marshal",
			routes: fakeRoutes{"a<b>&c": {{Address: "x", Tags: map[string]string{"k": "\"v\"\u2028"}}}},
			want:   `{"a\u003cb\u003e\u0026c":[{"address":"x","availability_zone":"","protocol":"","tls":false,"ttl":0,"tags":{"k":"\"v\"\u2028"}}]}` + "\n",
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := serve(t, NewHandler(Config{User: "u", Password: "p"}, tc.routes, fakeHealth(false)))
			r := get(t, "GET", s.URL+"/routes", basic("u:p"))
			if r.status != 200 {
				t.Fatalf("status %d", r.status)
			}
			if ct := r.header.Get("Content-Type"); ct != "application/json" {
				t.Errorf("Content-Type = %q", ct)
			}
			if !r.closed {
				t.Error("connection not closed after /routes")
			}
			if r.body != tc.want {
				t.Errorf("body\n got %s\nwant %s", r.body, tc.want)
			}
			// The streamed document is what json.Marshal makes of the map.
			if tc.routes != nil {
				m, err := json.Marshal(nonNilPools(tc.routes.Snapshot()))
				if err != nil {
					t.Fatal(err)
				}
				if string(m)+"\n" != r.body {
					t.Errorf("differs from json.Marshal:\n got %s\nwant %s", r.body, m)
				}
			}
		})
	}
}

// nonNilPools makes json.Marshal print [] for nil pools, as /routes does.
func nonNilPools(m map[string][]Endpoint) map[string][]Endpoint {
	out := make(map[string][]Endpoint, len(m))
	for k, v := range m {
		if v == nil {
			v = []Endpoint{}
		}
		out[k] = v
	}
	return out
}

// TestWriteRoutesLarge checks a big table streams to the same bytes as
// json.Marshal.
func TestWriteRoutesLarge(t *testing.T) {
	n := 100_000
	if testing.Short() {
		n = 10_000
	}
	snap := make(map[string][]Endpoint)
	for i := range n {
		key := fmt.Sprintf("app-%d.apps.example.com", i%5000)
		snap[key] = append(snap[key], Endpoint{
			Address: fmt.Sprintf("10.0.%d.%d:%d", i/65536, i/256%256, 1024+i%256), Protocol: "http1", TTL: 120,
			Tags: map[string]string{"component": "route-emitter"}, PrivateInstanceID: fmt.Sprint(i),
		})
	}
	var buf bytes.Buffer
	if err := writeRoutes(&buf, snap); err != nil {
		t.Fatal(err)
	}
	want, _ := json.Marshal(snap)
	if !bytes.Equal(buf.Bytes(), append(want, '\n')) {
		t.Fatal("streamed document differs from json.Marshal")
	}
	if got := strings.Count(buf.String(), `"address"`); got != n {
		t.Fatalf("%d endpoints, want %d", got, n)
	}
}

func TestCountRoutes(t *testing.T) {
	for _, tc := range []struct {
		name           string
		snap           map[string][]Endpoint
		urls, droplets int
	}{
		{name: "nil", snap: nil},
		{name: "empty pool counts as url", snap: map[string][]Endpoint{"a": nil}, urls: 1},
		{
			name:     "shared address counted once",
			snap:     map[string][]Endpoint{"a": {{Address: "1:1"}, {Address: "2:2"}}, "b": {{Address: "1:1"}}},
			urls:     2,
			droplets: 2,
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			u, d := CountRoutes(tc.snap)
			if u != tc.urls || d != tc.droplets {
				t.Fatalf("got %d, %d; want %d, %d", u, d, tc.urls, tc.droplets)
			}
		})
	}
}

// BenchmarkWriteRoutes shows the cost per endpoint of streaming /routes.
func BenchmarkWriteRoutes(b *testing.B) {
	snap := make(map[string][]Endpoint)
	for i := range 10_000 {
		key := fmt.Sprintf("app-%d.apps.example.com", i%1000)
		snap[key] = append(snap[key], Endpoint{
			Address: fmt.Sprintf("10.0.%d.%d:8080", i/256, i%256), Protocol: "http1", TTL: 120,
			Tags: map[string]string{"component": "route-emitter"}, PrivateInstanceID: fmt.Sprint(i),
		})
	}
	b.ReportAllocs()
	for b.Loop() {
		if err := writeRoutes(io.Discard, snap); err != nil {
			b.Fatal(err)
		}
	}
}
