package cfhttp

import (
	"regexp"
	"testing"
)

const guid = "aaaaaaaa-0123-4567-89ab-cdef01234567"

var instanceCases = []struct {
	v                string
	appOK, processOK bool
	guid, index      string
}{
	{guid + ":1", true, true, guid, "1"},
	{guid + ":0", true, true, guid, "0"},
	{guid + ":01", true, true, guid, "01"}, // kept as written: "01" ≠ "1" (§11)
	{guid + ":123456789", true, true, guid, "123456789"},
	{guid, false, true, guid, ""},
	{guid + ":", false, false, "", ""},
	{guid + ":x", false, false, "", ""},
	{guid + ":1:2", false, false, "", ""},
	{guid + ":-1", false, false, "", ""},
	{guid + ":+1", false, false, "", ""},
	{guid + ": 1", false, false, "", ""},
	{guid + ":1 ", false, false, "", ""},
	{" " + guid + ":1", false, false, "", ""},
	{guid + ":١", false, false, "", ""}, // Arabic-Indic digit: \d is ASCII only
	{"AAAAAAAA-0123-4567-89ab-cdef01234567:1", false, false, "", ""},
	{"aaaaaaaa-0123-4567-89AB-cdef01234567:1", false, false, "", ""},
	{"aaaaaaaa-0123-4567-89ab-cdef0123456:1", false, false, "", ""},
	{"aaaaaaaa-0123-4567-89ab-cdef012345678:1", false, false, "", ""},
	{"aaaaaaaa00123-4567-89ab-cdef01234567:1", false, false, "", ""},
	{"aaaaaaaa-0123-4567-89ab_cdef01234567:1", false, false, "", ""},
	{"gaaaaaaa-0123-4567-89ab-cdef01234567:1", false, false, "", ""},
	{"aaaaaaaaa0123-4567-89ab-cdef01234567:1", false, false, "", ""},
	{"abc:1", false, false, "", ""},
	{":1", false, false, "", ""},
	{"", false, false, "", ""},
}

func TestParseAppInstance(t *testing.T) {
	for _, tt := range instanceCases {
		g, i, ok := ParseAppInstance(tt.v)
		wantG, wantI := tt.guid, tt.index
		if !tt.appOK {
			wantG, wantI = "", ""
		}
		if ok != tt.appOK || g != wantG || i != wantI {
			t.Errorf("ParseAppInstance(%q) = %q, %q, %v; want %q, %q, %v", tt.v, g, i, ok, wantG, wantI, tt.appOK)
		}
	}
}

func TestParseProcessInstance(t *testing.T) {
	for _, tt := range instanceCases {
		g, i, ok := ParseProcessInstance(tt.v)
		wantG, wantI := tt.guid, tt.index
		if !tt.processOK {
			wantG, wantI = "", ""
		}
		if ok != tt.processOK || g != wantG || i != wantI {
			t.Errorf("ParseProcessInstance(%q) = %q, %q, %v; want %q, %q, %v", tt.v, g, i, ok, wantG, wantI, tt.processOK)
		}
	}
}

// The hand-written checks accept exactly what gorouter's regular
// expressions (§11) accept, on the table and on mutations of it.
func TestInstanceParsersAgreeWithRegexp(t *testing.T) {
	appRE := regexp.MustCompile(`^([0-9a-f]{8}-([0-9a-f]{4}-){3}[0-9a-f]{12}):(\d+)$`)
	processRE := regexp.MustCompile(`^([0-9a-f]{8}-([0-9a-f]{4}-){3}[0-9a-f]{12})(:(\d+))?$`)
	inputs := []string{}
	for _, tt := range instanceCases {
		inputs = append(inputs, tt.v)
		// Replace each byte by each character of a small alphabet.
		for i := 0; i < len(tt.v); i++ {
			for _, c := range "0aAf-:g9 " {
				inputs = append(inputs, tt.v[:i]+string(c)+tt.v[i+1:])
			}
		}
	}
	for _, v := range inputs {
		m := appRE.FindStringSubmatch(v)
		g, i, ok := ParseAppInstance(v)
		if ok != (m != nil) || ok && (g != m[1] || i != m[3]) {
			t.Errorf("ParseAppInstance(%q) = %q, %q, %v; regexp %q", v, g, i, ok, m)
		}
		m = processRE.FindStringSubmatch(v)
		g, i, ok = ParseProcessInstance(v)
		if ok != (m != nil) || ok && (g != m[1] || i != m[4]) {
			t.Errorf("ParseProcessInstance(%q) = %q, %q, %v; regexp %q", v, g, i, ok, m)
		}
	}
}

func TestParseAppInstanceAllocs(t *testing.T) {
	if raceEnabled {
		t.Skip("allocation counts differ under the race detector")
	}
	v := guid + ":12"
	if n := testing.AllocsPerRun(100, func() { _, _, _ = ParseAppInstance(v) }); n != 0 {
		t.Errorf("%v allocations, want 0", n)
	}
}
