package cfhttp

import (
	"net/http"
	"testing"
)

var defaultSticky = []string{"JSESSIONID"}

func requestWithCookies(lines ...string) *http.Request {
	req, _ := http.NewRequest("GET", "http://app.test/", nil)
	for _, l := range lines {
		req.Header.Add("Cookie", l)
	}
	return req
}

func TestRequestedInstance(t *testing.T) {
	for _, tt := range []struct {
		name    string
		cookies []string
		sticky  []string
		want    string
		ok      bool
	}{
		{"both cookies", []string{"JSESSIONID=s1; __VCAP_ID__=inst-1"}, defaultSticky, "inst-1", true},
		{"order does not matter", []string{"__VCAP_ID__=inst-1; other=x; JSESSIONID=s1"}, defaultSticky, "inst-1", true},
		{"two header lines", []string{"JSESSIONID=s1", "__VCAP_ID__=inst-2"}, defaultSticky, "inst-2", true},
		{"quoted value", []string{`JSESSIONID=s1; __VCAP_ID__="inst-1"`}, defaultSticky, "inst-1", true},
		{"first of two", []string{"JSESSIONID=s1; __VCAP_ID__=a; __VCAP_ID__=b"}, defaultSticky, "a", true},
		{"bare sticky name counts", []string{"JSESSIONID; __VCAP_ID__=inst-1"}, defaultSticky, "inst-1", true},
		{"empty sticky value counts", []string{"JSESSIONID=; __VCAP_ID__=inst-1"}, defaultSticky, "inst-1", true},
		{"other sticky name", []string{"SESSION=x; __VCAP_ID__=inst-1"}, []string{"JSESSIONID", "SESSION"}, "inst-1", true},
		{"no session cookie", []string{"__VCAP_ID__=inst-1"}, defaultSticky, "", false},
		{"no vcap cookie", []string{"JSESSIONID=s1"}, defaultSticky, "", false},
		{"empty vcap value", []string{"JSESSIONID=s1; __VCAP_ID__="}, defaultSticky, "", false},
		{"names are case-sensitive", []string{"jsessionid=s1; __VCAP_ID__=inst-1"}, defaultSticky, "", false},
		{"invalid sticky value skipped", []string{`JSESSIONID=a"b; __VCAP_ID__=inst-1`}, defaultSticky, "", false},
		{"invalid vcap value skipped", []string{`JSESSIONID=s; __VCAP_ID__=a\b`}, defaultSticky, "", false},
		{"no sticky names configured", []string{"JSESSIONID=s1; __VCAP_ID__=inst-1"}, nil, "", false},
		{"no cookies", nil, defaultSticky, "", false},
	} {
		t.Run(tt.name, func(t *testing.T) {
			got, ok := RequestedInstance(requestWithCookies(tt.cookies...), tt.sticky)
			if got != tt.want || ok != tt.ok {
				t.Errorf("got %q, %v; want %q, %v", got, ok, tt.want, tt.ok)
			}
		})
	}
}

func TestStickyCookie(t *testing.T) {
	for _, tt := range []struct {
		name          string
		setCookies    []string
		reqCookies    []string
		instanceID    string
		contextPath   string
		sticky        []string
		secureCookies bool
		want          string // "" means none
	}{
		{name: "case 48: app starts a session", setCookies: []string{"JSESSIONID=s1"}, instanceID: "inst-1",
			want: "__VCAP_ID__=inst-1; Path=/; HttpOnly"},
		{name: "context path keeps its case", setCookies: []string{"JSESSIONID=s1; Path=/x"}, instanceID: "inst-1", contextPath: "/Api",
			want: "__VCAP_ID__=inst-1; Path=/Api; HttpOnly"},
		{name: "secure app cookie", setCookies: []string{"JSESSIONID=s1; Secure"}, instanceID: "inst-1",
			want: "__VCAP_ID__=inst-1; Path=/; HttpOnly; Secure"},
		{name: "secure_cookies forces Secure", setCookies: []string{"JSESSIONID=s1"}, instanceID: "inst-1", secureCookies: true,
			want: "__VCAP_ID__=inst-1; Path=/; HttpOnly; Secure"},
		{name: "SameSite, Expires, Partitioned copied; Domain, HttpOnly-less not",
			setCookies: []string{"JSESSIONID=s1; Domain=app.test; Expires=Wed, 21 Oct 2026 07:28:00 GMT; SameSite=None; Secure; Partitioned"},
			instanceID: "inst-1",
			want:       "__VCAP_ID__=inst-1; Path=/; Expires=Wed, 21 Oct 2026 07:28:00 GMT; HttpOnly; Secure; SameSite=None; Partitioned"},
		{name: "SameSite=Strict", setCookies: []string{"JSESSIONID=s1; SameSite=Strict"}, instanceID: "inst-1",
			want: "__VCAP_ID__=inst-1; Path=/; HttpOnly; SameSite=Strict"},
		{name: "positive Max-Age not copied", setCookies: []string{"JSESSIONID=s1; Max-Age=3600"}, instanceID: "inst-1",
			want: "__VCAP_ID__=inst-1; Path=/; HttpOnly"},
		{name: "Max-Age=0 deletes both", setCookies: []string{"JSESSIONID=; Max-Age=0"}, instanceID: "inst-1",
			want: "__VCAP_ID__=inst-1; Path=/; Max-Age=0; HttpOnly"},
		{name: "negative Max-Age deletes both", setCookies: []string{"JSESSIONID=s1; Max-Age=-1"}, instanceID: "inst-1",
			want: "__VCAP_ID__=inst-1; Path=/; Max-Age=0; HttpOnly"},
		{name: "first sticky cookie gives the attributes", sticky: []string{"JSESSIONID", "SESSION"},
			setCookies: []string{"other=1; SameSite=Lax", "SESSION=b; SameSite=Strict", "JSESSIONID=a; Secure"}, instanceID: "inst-1",
			want: "__VCAP_ID__=inst-1; Path=/; HttpOnly; SameSite=Strict"},
		{name: "invalid sticky Set-Cookie ignored", setCookies: []string{`JSESSIONID=a"b`}, instanceID: "inst-1"},
		{name: "app sets __VCAP_ID__ itself", setCookies: []string{"JSESSIONID=s1", "__VCAP_ID__=mine"}, instanceID: "inst-1"},
		{name: "app sets __VCAP_ID__ on a stale session", setCookies: []string{"__VCAP_ID__=mine"},
			reqCookies: []string{"JSESSIONID=s1; __VCAP_ID__=inst-2"}, instanceID: "inst-1"},
		{name: "no instance id", setCookies: []string{"JSESSIONID=s1"}, instanceID: ""},
		{name: "other cookies only", setCookies: []string{"theme=dark"}, instanceID: "inst-1"},
		{name: "sticky names are case-sensitive", setCookies: []string{"jsessionid=s1"}, instanceID: "inst-1"},
		{name: "no cookies at all", instanceID: "inst-1"},
		{name: "session landed on another instance", reqCookies: []string{"JSESSIONID=s1; __VCAP_ID__=inst-2"}, instanceID: "inst-1",
			want: "__VCAP_ID__=inst-1; Path=/; HttpOnly"},
		{name: "moved session, secure_cookies", reqCookies: []string{"JSESSIONID=s1; __VCAP_ID__=inst-2"}, instanceID: "inst-1",
			contextPath: "/p", secureCookies: true, want: "__VCAP_ID__=inst-1; Path=/p; HttpOnly; Secure"},
		{name: "session on its instance", reqCookies: []string{"JSESSIONID=s1; __VCAP_ID__=inst-1"}, instanceID: "inst-1"},
		{name: "session renewed on its instance", setCookies: []string{"JSESSIONID=s2"},
			reqCookies: []string{"JSESSIONID=s1; __VCAP_ID__=inst-1"}, instanceID: "inst-1",
			want: "__VCAP_ID__=inst-1; Path=/; HttpOnly"},
		{name: "session cookie without __VCAP_ID__", reqCookies: []string{"JSESSIONID=s1"}, instanceID: "inst-1"},
		{name: "__VCAP_ID__ without session cookie", reqCookies: []string{"__VCAP_ID__=inst-2"}, instanceID: "inst-1"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			sticky := tt.sticky
			if sticky == nil {
				sticky = defaultSticky
			}
			resp := &http.Response{Header: http.Header{}}
			for _, c := range tt.setCookies {
				resp.Header.Add("Set-Cookie", c)
			}
			got, ok := StickyCookie(resp, requestWithCookies(tt.reqCookies...), tt.instanceID, tt.contextPath, sticky, tt.secureCookies)
			if got != tt.want || ok != (tt.want != "") {
				t.Errorf("got %q, %v; want %q", got, ok, tt.want)
			}
		})
	}
}

// The cookie round-trips through net/http's parser as the attributes say.
func TestStickyCookieParses(t *testing.T) {
	resp := &http.Response{Header: http.Header{"Set-Cookie": {"JSESSIONID=s1; SameSite=Lax; Max-Age=-1"}}}
	s, ok := StickyCookie(resp, nil, "8f1c2c0e-1d1e-4b59-9d1b-000000000001", "/api", defaultSticky, true)
	if !ok {
		t.Fatal("no cookie")
	}
	c, err := http.ParseSetCookie(s)
	if err != nil {
		t.Fatalf("%q: %v", s, err)
	}
	if c.Name != VcapCookie || c.Value != "8f1c2c0e-1d1e-4b59-9d1b-000000000001" || c.Path != "/api" ||
		!c.HttpOnly || !c.Secure || c.SameSite != http.SameSiteLaxMode || c.MaxAge >= 0 {
		t.Errorf("%q parsed as %+v", s, c)
	}
}

// Reading the sticky cookies is on every request's path; it must not
// allocate.
func TestRequestedInstanceAllocs(t *testing.T) {
	if raceEnabled {
		t.Skip("allocation counts differ under the race detector")
	}
	req := requestWithCookies("theme=dark; JSESSIONID=s1", "__VCAP_ID__=inst-1")
	if n := testing.AllocsPerRun(100, func() { _, _ = RequestedInstance(req, defaultSticky) }); n != 0 {
		t.Errorf("%v allocations, want 0", n)
	}
}
