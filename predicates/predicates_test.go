package predicates

import (
	"errors"
	"net/http/httptest"
	"testing"

	"github.com/skiff-proxy/skiff/routing"
)

func TestSpecs(t *testing.T) {
	reg := routing.PredicateRegistry{}
	Register(reg, Options{})
	want := []string{"True", "False", "Shutdown", "Methods", "Cookie", "QueryParam", "Traffic",
		"TrafficSegment", "Source", "SourceFromLast", "ClientIP", "After", "Before", "Between",
		"Cron", "ContentLengthBetween", "HeaderSHA256", "ForwardedHost", "ForwardedProtocol", "OTelBaggage",
		"JWTPayloadAnyKV", "JWTPayloadAllKV", "JWTPayloadAnyKVRegexp", "JWTPayloadAllKVRegexp", "Tee"}
	if len(reg) != len(want) {
		t.Fatalf("%d specs registered, want %d", len(reg), len(want))
	}
	matcherOwn := map[string]bool{"Path": true, "PathSubtree": true, "Host": true, "HostAny": true,
		"PathRegexp": true, "Method": true, "Header": true, "HeaderRegexp": true, "Weight": true}
	for _, name := range want {
		if reg[name] == nil {
			t.Errorf("%s not registered", name)
		}
		if matcherOwn[name] {
			t.Errorf("%s belongs to the matcher", name)
		}
	}
	ws, ok := reg["TrafficSegment"].(routing.WeightedPredicateSpec)
	if !ok || ws.Weight() != -1 {
		t.Errorf("TrafficSegment is not weighted -1")
	}
}

func TestOptionsReachSpecs(t *testing.T) {
	started := make(chan struct{})
	reg := routing.PredicateRegistry{}
	Register(reg, Options{Rand: func() float64 { return 0.99 }, ShutdownStarted: started})
	r := httptest.NewRequest("GET", "/", nil)
	tr, _ := reg["Traffic"].Create([]any{0.5})
	if tr.Match(r) {
		t.Error("Traffic(.5) matched with rand .99: Rand option ignored")
	}
	sd, _ := reg["Shutdown"].Create(nil)
	close(started)
	if !sd.Match(r) {
		t.Error("Shutdown did not see the channel")
	}
}

func TestErrorsWrapSentinel(t *testing.T) {
	reg := routing.PredicateRegistry{}
	Register(reg, Options{})
	for name, a := range map[string][]any{
		"Shutdown": {1.0}, "Methods": {}, "Cookie": {"a"}, "QueryParam": {}, "Traffic": {2.0},
		"TrafficSegment": {0.5}, "Source": {"x"}, "SourceFromLast": {}, "ClientIP": {"1.2.3.4/40"},
		"After": {"x"}, "Before": {}, "Between": {1.0}, "Cron": {"* *"}, "ContentLengthBetween": {2.0, 1.0},
		"HeaderSHA256": {"X-A", "00"}, "ForwardedHost": {"("}, "ForwardedProtocol": {"ftp"}, "OTelBaggage": {},
		"JWTPayloadAnyKV": {"uid"}, "JWTPayloadAllKVRegexp": {"a", "["},
	} {
		_, err := reg[name].Create(a)
		if !errors.Is(err, ErrInvalidPredicateParameters) {
			t.Errorf("%s%v: %v", name, a, err)
		}
	}
}
