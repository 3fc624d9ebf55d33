package status

// Endpoint is one endpoint of a route as /routes shows it. The struct tags
// are the document's format (§12.3): encoding/json writes the fields in
// this order, always writes availability_zone, tls, ttl and tags (nil tags
// as null) and omits the other strings when empty, as gorouter does.
type Endpoint struct {
	Address                string            `json:"address"`
	AvailabilityZone       string            `json:"availability_zone"`
	Protocol               string            `json:"protocol"`
	TLS                    bool              `json:"tls"`
	TTL                    int               `json:"ttl"`
	RouteServiceURL        string            `json:"route_service_url,omitempty"`
	Tags                   map[string]string `json:"tags"`
	IsolationSegment       string            `json:"isolation_segment,omitempty"`
	PrivateInstanceID      string            `json:"private_instance_id,omitempty"`
	ServerCertDomainSAN    string            `json:"server_cert_domain_san,omitempty"`
	LoadBalancingAlgorithm string            `json:"load_balancing_algorithm,omitempty"`
}

// Routes is what /routes needs from the routing table.
type Routes interface {
	// Snapshot returns route key -> endpoints in pool order. An empty
	// retained pool is present with a nil or empty slice (it prints []).
	// The handler only reads the result.
	Snapshot() map[string][]Endpoint
}

// Health reports the router's health state (§12.1): false while
// initializing and once degraded.
type Health interface {
	Healthy() bool
}

// CountRoutes returns the table figures /varz shows: urls, the number of
// routes (pools), and droplets, the number of distinct endpoint addresses.
func CountRoutes(snapshot map[string][]Endpoint) (urls, droplets int) {
	seen := make(map[string]struct{})
	for _, eps := range snapshot {
		for i := range eps {
			seen[eps[i].Address] = struct{}{}
		}
	}
	return len(snapshot), len(seen)
}
