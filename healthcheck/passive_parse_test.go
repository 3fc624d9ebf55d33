package healthcheck

import (
	"strings"
	"testing"
	"time"
)

func TestParsePassive(t *testing.T) {
	for _, tc := range []struct {
		name string
		in   string
		want PassiveConfig
	}{
		{"required only, defaults", "period=10s,min-requests=10,max-drop-probability=0.9",
			PassiveConfig{Period: 10 * time.Second, MinRequests: 10, MaxDropProbability: 0.9, MaxUnhealthyEndpointsRatio: 1}},
		{"all keys, any order", "max-unhealthy-endpoints-ratio=0.3,min-drop-probability=0.05,max-drop-probability=1,min-requests=0,period=1m",
			PassiveConfig{Period: time.Minute, MinDropProbability: 0.05, MaxDropProbability: 1, MaxUnhealthyEndpointsRatio: 0.3}},
		{"spaces trimmed", " period = 2s , min-requests= 5,max-drop-probability =0.5",
			PassiveConfig{Period: 2 * time.Second, MinRequests: 5, MaxDropProbability: 0.5, MaxUnhealthyEndpointsRatio: 1}},
		{"last repeated key wins", "period=1s,period=3s,min-requests=1,max-drop-probability=0.5",
			PassiveConfig{Period: 3 * time.Second, MinRequests: 1, MaxDropProbability: 0.5, MaxUnhealthyEndpointsRatio: 1}},
		{"ratio bounds inclusive", "period=1s,min-requests=1,max-drop-probability=0.5,max-unhealthy-endpoints-ratio=0",
			PassiveConfig{Period: time.Second, MinRequests: 1, MaxDropProbability: 0.5}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := ParsePassive(tc.in)
			if err != nil {
				t.Fatal(err)
			}
			if *got != tc.want {
				t.Errorf("got %+v, want %+v", *got, tc.want)
			}
		})
	}
}

func TestParsePassiveOff(t *testing.T) {
	c, err := ParsePassive("")
	if c != nil || err != nil {
		t.Errorf("got %v, %v; want nil, nil", c, err)
	}
}

func TestParsePassiveErrors(t *testing.T) {
	const req = "period=1s,min-requests=1,max-drop-probability=0.5"
	for _, tc := range []struct {
		name, in string
		want     []string // substrings of the error
	}{
		{"not a pair", req + ",foo", []string{"expected key=value", `"foo"`}},
		{"empty value", req + ",min-drop-probability=", []string{"expected key=value"}},
		{"empty key", req + ",=1", []string{"expected key=value"}},
		{"empty element", req + ",", []string{"expected key=value"}},
		{"unknown key", req + ",max-drop=0.3", []string{`unknown key "max-drop"`, "max-unhealthy-endpoints-ratio"}},
		{"missing all", "min-drop-probability=0.1", []string{"missing required period, min-requests, max-drop-probability"}},
		{"missing one", "period=1s,max-drop-probability=0.5", []string{"missing required min-requests"}},
		{"period no unit", "period=10,min-requests=1,max-drop-probability=0.5", []string{"period:", "duration", `"10"`}},
		{"period zero", "period=0s,min-requests=1,max-drop-probability=0.5", []string{"period:", "greater than 0"}},
		{"period negative", "period=-1s,min-requests=1,max-drop-probability=0.5", []string{"period:"}},
		{"min-requests negative", "period=1s,min-requests=-1,max-drop-probability=0.5", []string{"min-requests:", ">= 0"}},
		{"min-requests not int", "period=1s,min-requests=1.5,max-drop-probability=0.5", []string{"min-requests:"}},
		{"max-drop above 1", "period=1s,min-requests=1,max-drop-probability=1.1", []string{"max-drop-probability:", "0 to 1"}},
		{"max-drop NaN", "period=1s,min-requests=1,max-drop-probability=NaN", []string{"max-drop-probability:"}},
		{"max-drop zero", "period=1s,min-requests=1,max-drop-probability=0", []string{"must be less than"}},
		{"min-drop negative", req + ",min-drop-probability=-0.1", []string{"min-drop-probability:"}},
		{"min equals max", req + ",min-drop-probability=0.5", []string{"min-drop-probability (0.5) must be less than max-drop-probability (0.5)"}},
		{"min above max", req + ",min-drop-probability=0.7", []string{"must be less than"}},
		{"ratio above 1", req + ",max-unhealthy-endpoints-ratio=2", []string{"max-unhealthy-endpoints-ratio:"}},
		{"ratio not a number", req + ",max-unhealthy-endpoints-ratio=half", []string{"max-unhealthy-endpoints-ratio:", `"half"`}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c, err := ParsePassive(tc.in)
			if err == nil {
				t.Fatalf("got %+v, want an error", *c)
			}
			msg := err.Error()
			if !strings.HasPrefix(msg, "passive health check: ") {
				t.Errorf("error %q lacks the flag's name", msg)
			}
			for _, w := range tc.want {
				if !strings.Contains(msg, w) {
					t.Errorf("error %q does not contain %q", msg, w)
				}
			}
		})
	}
}
