package chaos

import "github.com/skiff-proxy/skiff/filters"

// Specs returns the chaos and testing filter specs.
func Specs() []filters.Spec {
	return specs(env{clock: realClock{}, rand: globalRandom{}})
}

func specs(e env) []filters.Spec {
	return []filters.Spec{
		&throttleSpec{env: e, name: "latency", kind: latencyKind},
		&throttleSpec{env: e, name: "bandwidth", kind: bandwidthKind},
		&throttleSpec{env: e, name: "chunks", kind: chunksKind},
		&throttleSpec{env: e, name: "backendLatency", kind: latencyKind, backend: true},
		&throttleSpec{env: e, name: "backendBandwidth", kind: bandwidthKind, backend: true},
		&throttleSpec{env: e, name: "backendChunks", kind: chunksKind, backend: true},
		&jitterSpec{env: e, name: "uniformRequestLatency", dist: uniform},
		&jitterSpec{env: e, name: "normalRequestLatency", dist: normal},
		&jitterSpec{env: e, name: "uniformResponseLatency", dist: uniform, response: true},
		&jitterSpec{env: e, name: "normalResponseLatency", dist: normal, response: true},
		&histogramSpec{env: e, name: "histogramRequestLatency"},
		&histogramSpec{env: e, name: "histogramResponseLatency", response: true},
		&tarpitSpec{env: e},
		&absorbSpec{env: e},
		&absorbSpec{env: e, silent: true},
	}
}
