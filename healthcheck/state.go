package healthcheck

// State is an endpoint's health.
type State uint32

const (
	// Healthy endpoints get traffic.
	Healthy State = iota
	// LameDuck endpoints are going away: they keep the requests they
	// have, but get no new ones.
	LameDuck
	// Dead endpoints refuse connections and get nothing.
	Dead
)

func (s State) String() string {
	switch s {
	case Healthy:
		return "healthy"
	case LameDuck:
		return "lame-duck"
	case Dead:
		return "dead"
	}
	return "unknown"
}

// MarshalText lets the state appear as its name in JSON.
func (s State) MarshalText() ([]byte, error) { return []byte(s.String()), nil }
