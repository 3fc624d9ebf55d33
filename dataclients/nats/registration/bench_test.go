package registration

import (
	"encoding/json"
	"testing"
)

// BenchmarkDecode decodes a typical route-emitter registration, the
// message that is over 99% of the traffic (§1); at 5,000 messages a
// second, each microsecond here is 0.5% of a core.
func BenchmarkDecode(b *testing.B) {
	payload := []byte(routeEmitterPayload)
	b.SetBytes(int64(len(payload)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Decode(payload); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkDecodeWithAddressAndKeys adds what the data client does next
// with a refresh: the endpoint's address and each URI's route key.
func BenchmarkDecodeWithAddressAndKeys(b *testing.B) {
	payload := []byte(routeEmitterPayload)
	b.SetBytes(int64(len(payload)))
	b.ReportAllocs()
	for b.Loop() {
		m, err := Decode(payload)
		if err != nil {
			b.Fatal(err)
		}
		m.Address()
		for _, u := range m.URIs {
			RouteKey(u)
		}
	}
}

// BenchmarkDecodeEncodingJSON is the same payload through encoding/json
// into a struct of gorouter's field types, the straightforward way to
// decode it, for comparison.
func BenchmarkDecodeEncodingJSON(b *testing.B) {
	payload := []byte(routeEmitterPayload)
	b.SetBytes(int64(len(payload)))
	b.ReportAllocs()
	for b.Loop() {
		var m struct {
			Host                    string            `json:"host"`
			Port                    uint16            `json:"port"`
			TLSPort                 uint16            `json:"tls_port"`
			Protocol                string            `json:"protocol"`
			URIs                    []string          `json:"uris"`
			Tags                    map[string]string `json:"tags"`
			App                     string            `json:"app"`
			PrivateInstanceID       string            `json:"private_instance_id"`
			PrivateInstanceIndex    string            `json:"private_instance_index"`
			StaleThresholdInSeconds int               `json:"stale_threshold_in_seconds"`
			IsolationSegment        string            `json:"isolation_segment"`
			ServerCertDomainSAN     string            `json:"server_cert_domain_san"`
			RouteServiceURL         string            `json:"route_service_url"`
			EndpointUpdatedAtNs     int64             `json:"endpoint_updated_at_ns"`
			AvailabilityZone        string            `json:"availability_zone"`
			Options                 struct {
				LoadBalancing string `json:"loadbalancing"`
			} `json:"options"`
		}
		if err := json.Unmarshal(payload, &m); err != nil {
			b.Fatal(err)
		}
	}
}
