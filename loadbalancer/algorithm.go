package loadbalancer

// Names of the algorithms, as a load-balanced backend names them:
// <consistentHash, "http://a:80", "http://b:80">.
const (
	RoundRobin            = "roundRobin" // the default
	Random                = "random"
	ConsistentHash        = "consistentHash"
	PowerOfRandomNChoices = "powerOfRandomNChoices"
	LeastConnection       = "leastConnection"
	// LeastRequests is skipper's name of LeastConnection. skipper divides
	// the in-flight count by a passive-health weight; skiff has no weights,
	// which makes the two the same.
	LeastRequests = "leastRequests"
)

// algorithm selects the code that picks among the candidates. It is a
// number rather than an interface so that Select calls concrete functions
// and the candidate list can stay on its stack.
type algorithm uint8

const (
	algoRoundRobin algorithm = iota
	algoRandom
	algoConsistentHash
	algoPowerOfTwo
	algoLeastConnection
)

// algorithmNamed returns the algorithm of a backend's name; "" is the
// default.
func algorithmNamed(name string) (algorithm, bool) {
	switch name {
	case "", RoundRobin:
		return algoRoundRobin, true
	case Random:
		return algoRandom, true
	case ConsistentHash:
		return algoConsistentHash, true
	case PowerOfRandomNChoices:
		return algoPowerOfTwo, true
	case LeastConnection, LeastRequests:
		return algoLeastConnection, true
	}
	return 0, false
}

// Algorithms returns the names the post-processor accepts, the default
// first; any other name makes the route invalid.
func Algorithms() []string {
	return []string{RoundRobin, Random, ConsistentHash, PowerOfRandomNChoices, LeastConnection, LeastRequests}
}
