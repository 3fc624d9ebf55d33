package registration

import (
	"testing"
)

// allCases are the table cases whose payloads seed FuzzDecode.
var allCases = [][]decodeCase{specCases, shapeCases, keyCases, typeCases, nullAndUnknownCases, stringCases, checkCases, optionCases}

// FuzzDecode holds Decode to encoding/json (referenceDecode) on any
// payload: it must not panic, and must agree on accept or refuse, on the
// class of a refusal, on every field decoded and on the options ignored.
// Its seeds are the payloads of §18 B and of the table tests, which cover
// the examples of §3.1, and a typical route-emitter message.
func FuzzDecode(f *testing.F) {
	f.Add([]byte(routeEmitterPayload))
	for _, cases := range allCases {
		for _, tc := range cases {
			// The 10000-deep payloads are left to the table tests: the
			// fuzzer spends its time shrinking inputs that large.
			if len(tc.payload) <= 4096 {
				f.Add([]byte(tc.payload))
			}
		}
	}
	f.Fuzz(func(t *testing.T, payload []byte) {
		compareWithReference(t, payload)
		m, err := Decode(payload)
		if err != nil {
			return
		}
		// What the data client does next must not panic either.
		m.Address()
		for _, u := range m.URIs {
			RouteKey(u)
		}
	})
}
