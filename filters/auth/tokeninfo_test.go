package auth

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/skiff-proxy/skiff/filters"
	"github.com/skiff-proxy/skiff/filters/filtertest"
)

// tokeninfoServer answers for the bearer tokens it knows: a JSON body, or
// a status when the answer is a number.
type tokeninfoServer struct {
	*httptest.Server
	mu      sync.Mutex
	answers map[string]any
	hits    atomic.Int64
	delay   time.Duration
}

func newTokeninfoServer(t testing.TB, answers map[string]any) *tokeninfoServer {
	t.Helper()
	s := &tokeninfoServer{answers: answers}
	s.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.hits.Add(1)
		if s.delay > 0 {
			select {
			case <-time.After(s.delay):
			case <-r.Context().Done():
				return
			}
		}
		token, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
		s.mu.Lock()
		a, known := s.answers[token]
		s.mu.Unlock()
		switch a := a.(type) {
		case int:
			w.WriteHeader(a)
			return
		case string:
			if ok && known {
				fmt.Fprint(w, a)
				return
			}
		}
		w.WriteHeader(http.StatusUnauthorized)
	}))
	t.Cleanup(s.Close)
	return s
}

var tokeninfoAnswers = map[string]any{
	"s1":       `{"uid":"alice","scope":["s1"],"realm":"/employees","expires_in":3600}`,
	"s2s3":     `{"uid":"bob","scope":["s2","s3","uid"],"realm":"/services"}`,
	"allthree": `{"uid":"carol","scope":["s1","s2","s3","x"],"k1":"v1","k2":"v2"}`,
	"kv":       `{"uid":"dave","k1":"v2","k2":"v2","n":5}`,
	"noscope":  `{"uid":"erin"}`,
	"badscope": `{"uid":"frank","scope":"s1"}`,
	"null":     `null`,
	"array":    `["s1"]`,
	"forbid":   403,
	"broken":   500,
}

func TestTokeninfoFilters(t *testing.T) {
	ti := newTokeninfoServer(t, tokeninfoAnswers)
	reg := newTestRegistry(t, Options{TokeninfoURL: ti.URL})
	specs := Specs(reg)
	for _, tc := range []struct {
		filter string
		args   []any
		token  string
		status int // 0: passes
		user   string
		reason string
	}{
		// skipper's documented examples
		{OAuthTokeninfoAnyScopeName, []any{"s1", "s2", "s3"}, "s1", 0, "alice", ""},
		{OAuthTokeninfoAnyScopeName, []any{"s1", "s2", "s3"}, "s2s3", 0, "bob", ""},
		{OAuthTokeninfoAnyScopeName, []any{"s1", "s2", "s3"}, "kv", 403, "dave", invalidScope},
		{OAuthTokeninfoAllScopeName, []any{"s1", "s2", "s3"}, "allthree", 0, "carol", ""},
		{OAuthTokeninfoAllScopeName, []any{"s1", "s2", "s3"}, "s2s3", 403, "bob", invalidScope},
		{OAuthTokeninfoAnyKVName, []any{"k1", "v1", "k2", "v2"}, "kv", 0, "dave", ""},
		{OAuthTokeninfoAnyKVName, []any{"k1", "v1", "k1", "v2"}, "kv", 0, "dave", ""},
		{OAuthTokeninfoAnyKVName, []any{"k1", "v1", "k1", "v3"}, "kv", 403, "dave", invalidScope},
		{OAuthTokeninfoAllKVName, []any{"k1", "v1", "k2", "v2"}, "allthree", 0, "carol", ""},
		{OAuthTokeninfoAllKVName, []any{"k1", "v1", "k2", "v2"}, "kv", 403, "dave", invalidScope},
		// skipper's rule: two values for one key never both match
		{OAuthTokeninfoAllKVName, []any{"k1", "v1", "k1", "v2"}, "allthree", 403, "carol", invalidScope},
		{OAuthTokeninfoAllKVName, []any{"realm", "/employees"}, "s1", 0, "alice", ""},
		{OAuthTokeninfoAnyKVName, []any{"n", "5"}, "kv", 403, "dave", invalidScope}, // numbers never match
		{OAuthTokeninfoAnyScopeName, []any{"s1"}, "noscope", 403, "erin", invalidScope},
		{OAuthTokeninfoAnyScopeName, []any{"s1"}, "badscope", 403, "frank", invalidScope},
		{OAuthTokeninfoAllScopeName, []any{"s1"}, "null", 403, "", invalidScope},
		// the token is not accepted
		{OAuthTokeninfoAnyScopeName, []any{"s1"}, "unknown", 401, "", invalidToken},
		{OAuthTokeninfoAnyScopeName, []any{"s1"}, "forbid", 401, "", invalidToken},
		{OAuthTokeninfoAnyScopeName, []any{"s1"}, "broken", 401, "", authServiceAccess},
		{OAuthTokeninfoAnyScopeName, []any{"s1"}, "array", 401, "", authServiceAccess},
		{OAuthTokeninfoAnyScopeName, []any{"s1"}, "", 401, "", missingBearerToken},
	} {
		t.Run(fmt.Sprintf("%s%v/%s", tc.filter, tc.args, tc.token), func(t *testing.T) {
			f := filtertest.Create(t, filtertest.Spec(t, specs, tc.filter), tc.args...)
			ctx := filtertest.NewContext(bearerRequest(tc.token))
			f.Request(ctx)
			bag := ctx.FStateBag
			if bag[filters.AuthUser] != tc.user {
				t.Errorf("auth user %v, want %q", bag[filters.AuthUser], tc.user)
			}
			if tc.status == 0 {
				if ctx.Served() {
					t.Fatalf("served %d", ctx.FResponse.StatusCode)
				}
				if _, ok := bag[TokeninfoKey].(map[string]any); !ok {
					t.Errorf("tokeninfo not stored: %#v", bag[TokeninfoKey])
				}
				return
			}
			if !ctx.Served() || ctx.FResponse.StatusCode != tc.status {
				t.Fatalf("response %+v, want %d", ctx.FResponse, tc.status)
			}
			if len(ctx.FResponse.Header) != 0 || filtertest.Body(t, ctx.FResponse) != "" {
				t.Errorf("header %v", ctx.FResponse.Header)
			}
			if bag[RejectReasonKey] != tc.reason {
				t.Errorf("reason %v, want %s", bag[RejectReasonKey], tc.reason)
			}
			if _, ok := bag[TokeninfoKey]; ok {
				t.Error("tokeninfo stored for a rejected request")
			}
		})
	}
}

// A second tokeninfo filter uses the answer the first stored.
func TestTokeninfoChain(t *testing.T) {
	ti := newTokeninfoServer(t, tokeninfoAnswers)
	reg := newTestRegistry(t, Options{TokeninfoURL: ti.URL})
	specs := Specs(reg)
	f1 := filtertest.Create(t, filtertest.Spec(t, specs, OAuthTokeninfoAnyScopeName), "s1", "s2")
	f2 := filtertest.Create(t, filtertest.Spec(t, specs, OAuthTokeninfoAllKVName), "k1", "v1")
	ctx := filtertest.NewContext(bearerRequest("allthree"))
	f1.Request(ctx)
	f2.Request(ctx)
	if ctx.Served() || ti.hits.Load() != 1 {
		t.Errorf("served %v, %d tokeninfo requests", ctx.Served(), ti.hits.Load())
	}
}

func TestTokeninfoArgs(t *testing.T) {
	reg := newTestRegistry(t, Options{TokeninfoURL: "http://127.0.0.1:1/info"})
	specs := Specs(reg)
	noURL := Specs(newTestRegistry(t, Options{}))
	for _, tc := range []struct {
		specs []filters.Spec
		name  string
		args  []any
		bad   string
	}{
		{specs, OAuthTokeninfoAnyScopeName, []any{"s"}, ""},
		{specs, OAuthTokeninfoAnyScopeName, nil, "want at least 1 argument(s), got 0"},
		{specs, OAuthTokeninfoAllScopeName, []any{"s", 1.0}, "argument 2 (scope or key/value) must be a string"},
		{specs, OAuthTokeninfoAnyKVName, []any{"k", "v", "k2", "v2"}, ""},
		{specs, OAuthTokeninfoAnyKVName, []any{"k"}, "want key/value pairs, got 1 arguments"},
		{specs, OAuthTokeninfoAllKVName, []any{"k", "v", "k2"}, "want key/value pairs, got 3 arguments"},
		{noURL, OAuthTokeninfoAnyScopeName, []any{"s"}, "no tokeninfo URL configured (-oauth2-tokeninfo-url)"},
		{Specs(nil), OAuthTokeninfoAllKVName, []any{"k", "v"}, "no tokeninfo URL configured"},
		{Specs(newTestRegistry(t, Options{TokeninfoURL: "%zz"})), OAuthTokeninfoAnyScopeName, []any{"s"}, "invalid URL escape"},
		{Specs(newTestRegistry(t, Options{TokeninfoURL: "/info"})), OAuthTokeninfoValidateName, []any{"{}"}, `tokeninfo URL "/info" is not an http or https URL`},
		{noURL, OAuthTokeninfoValidateName, []any{"{}"}, "no tokeninfo URL configured"},
		{specs, OAuthTokeninfoValidateName, []any{"{optOutAnnotations: [oauth.disabled], unauthorizedResponse: 'x'}"}, ""},
		{specs, OAuthTokeninfoValidateName, []any{""}, ""},
		{specs, OAuthTokeninfoValidateName, nil, "want 1 argument(s), got 0"},
		{specs, OAuthTokeninfoValidateName, []any{"{}", "{}"}, "want 1 argument(s), got 2"},
		{specs, OAuthTokeninfoValidateName, []any{1.0}, "must be a string"},
		{specs, OAuthTokeninfoValidateName, []any{"{optOutHosts: ['(']}"}, `opt-out host pattern "("`},
		{specs, OAuthTokeninfoValidateName, []any{"{optOutHosts: 3}"}, "argument 1 (YAML configuration)"},
		{specs, OAuthTokeninfoValidateName, []any{"{"}, "argument 1 (YAML configuration)"},
	} {
		filtertest.CheckCreate(t, filtertest.Spec(t, tc.specs, tc.name), tc.args, tc.bad)
	}
}

func TestTokeninfoValidate(t *testing.T) {
	ti := newTokeninfoServer(t, tokeninfoAnswers)
	reg := newTestRegistry(t, Options{TokeninfoURL: ti.URL})
	spec := filtertest.Spec(t, Specs(reg), OAuthTokeninfoValidateName)
	// skipper's documented examples
	const body = "Authentication required, see https://auth.test/foo"
	plain := filtertest.Create(t, spec, "{optOutAnnotations: [oauth.disabled], unauthorizedResponse: 'Authentication required, see https://auth.test/foo'}")
	hosts := filtertest.Create(t, spec, "{optOutAnnotations: [oauth.disabled], optOutHosts: ['^.+[.]domain[.]test$', '^exact.test$'], unauthorizedResponse: 'Authentication required, see https://auth.test/foo'}")
	for _, tc := range []struct {
		name        string
		f           filters.Filter
		token, host string
		annotations map[string]string
		preceding   bool
		status      int
		user        string
	}{
		{"valid token", plain, "noscope", "", nil, false, 0, "erin"},
		{"unknown token", plain, "unknown", "", nil, false, 401, ""},
		{"tokeninfo fails", plain, "broken", "", nil, false, 401, ""},
		{"no token", plain, "", "", nil, false, 401, ""},
		{"opted out by annotation", plain, "", "", map[string]string{"oauth.disabled": "this endpoint is public"}, false, 0, ""},
		{"other annotation", plain, "", "", map[string]string{"other": "x"}, false, 401, ""},
		{"opted out by host", hosts, "", "api.domain.test", nil, false, 0, ""},
		{"exact host", hosts, "", "exact.test", nil, false, 0, ""},
		{"host not opted out", hosts, "", "notexact.test", nil, false, 401, ""},
		{"validated before", plain, "", "", nil, true, 0, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := bearerRequest(tc.token)
			if tc.host != "" {
				r.Host = tc.host
			}
			ctx := filtertest.NewContext(r)
			if tc.annotations != nil {
				ctx.FStateBag[AnnotationsKey] = tc.annotations
			}
			if tc.preceding {
				ctx.FStateBag[TokeninfoKey] = map[string]any{"uid": "x"}
			}
			tc.f.Request(ctx)
			if tc.status == 0 {
				if ctx.Served() {
					t.Fatalf("served %d", ctx.FResponse.StatusCode)
				}
				if tc.user != "" && ctx.FStateBag[filters.AuthUser] != tc.user {
					t.Errorf("auth user %v", ctx.FStateBag[filters.AuthUser])
				}
				return
			}
			rsp := ctx.FResponse
			if !ctx.Served() || rsp.StatusCode != 401 {
				t.Fatalf("response %+v", rsp)
			}
			if got := filtertest.Body(t, rsp); got != body || rsp.Header.Get("Content-Length") != fmt.Sprint(len(body)) {
				t.Errorf("body %q, Content-Length %q", got, rsp.Header.Get("Content-Length"))
			}
		})
	}
}

func TestTokeninfoCache(t *testing.T) {
	ti := newTokeninfoServer(t, map[string]any{
		"a":      `{"uid":"a","scope":["s"],"expires_in":3600}`,
		"b":      `{"uid":"b","scope":["s"],"expires_in":3600}`,
		"c":      `{"uid":"c","scope":["s"],"expires_in":3600}`,
		"short":  `{"uid":"s","scope":["s"],"expires_in":10}`,
		"never":  `{"uid":"n","scope":["s"]}`,
		"half":   `{"uid":"h","scope":["s"],"expires_in":0.5}`,
		"string": `{"uid":"x","scope":["s"],"expires_in":"3600"}`,
	})
	now := time.Unix(1_700_000_000, 0)
	reg := newTestRegistry(t, Options{TokeninfoURL: ti.URL, TokeninfoCacheSize: 2, TokeninfoCacheTTL: time.Minute,
		Now: func() time.Time { return now }})
	f := filtertest.Create(t, filtertest.Spec(t, Specs(reg), OAuthTokeninfoAnyScopeName), "s")
	get := func(token string) map[string]any {
		t.Helper()
		ctx := filtertest.NewContext(bearerRequest(token))
		f.Request(ctx)
		if ctx.Served() {
			t.Fatalf("%s: served %d", token, ctx.FResponse.StatusCode)
		}
		return ctx.FStateBag[TokeninfoKey].(map[string]any)
	}
	hits := func(want int64) {
		t.Helper()
		if got := ti.hits.Load(); got != want {
			t.Fatalf("%d tokeninfo requests, want %d", got, want)
		}
	}
	get("a")
	hits(1)
	now = now.Add(1500 * time.Millisecond)
	info := get("a")
	hits(1)
	if info["expires_in"] != 3598.0 {
		t.Errorf("cached expires_in %v, want 3598", info["expires_in"])
	}
	info["uid"] = "changed by a filter"
	if get("a")["uid"] != "a" {
		t.Error("a change to the answer reached the cache")
	}
	// the TTL (one minute) bounds an answer that expires later
	now = now.Add(time.Minute)
	get("a")
	hits(2)
	// the token's expiry bounds an answer that expires before the TTL
	get("short")
	hits(3)
	now = now.Add(9 * time.Second)
	get("short")
	hits(3)
	now = now.Add(time.Second)
	get("short")
	hits(4)
	// least recently used goes first: a, short in the cache; use a, add b
	get("a")
	get("b")
	hits(5)
	get("a")
	hits(5)
	get("short")
	hits(6)
	if n := reg.tokeninfo.cache.Len(); n != 2 {
		t.Errorf("%d cached, want 2", n)
	}
	// answers without a usable expires_in are never cached
	for _, tok := range []string{"never", "half", "string"} {
		get(tok)
		get(tok)
	}
	hits(12)
}

func TestTokeninfoTimeoutAndSize(t *testing.T) {
	slow := newTokeninfoServer(t, map[string]any{"a": `{"uid":"a","scope":["s"]}`})
	slow.delay = 5 * time.Second
	big := newTokeninfoServer(t, map[string]any{"a": `{"uid":"a","scope":["s"],"pad":"` + strings.Repeat("x", 2000) + `"}`})
	for _, tc := range []struct {
		url string
		o   Options
	}{
		{slow.URL, Options{TokeninfoTimeout: 100 * time.Millisecond}},
		{big.URL, Options{MaxResponseSize: 1000}},
	} {
		tc.o.TokeninfoURL = tc.url
		reg := newTestRegistry(t, tc.o)
		f := filtertest.Create(t, filtertest.Spec(t, Specs(reg), OAuthTokeninfoAnyScopeName), "s")
		ctx := filtertest.NewContext(bearerRequest("a"))
		start := time.Now()
		f.Request(ctx)
		if !ctx.Served() || ctx.FResponse.StatusCode != 401 || ctx.FStateBag[RejectReasonKey] != authServiceAccess {
			t.Errorf("%s: response %+v, reason %v", tc.url, ctx.FResponse, ctx.FStateBag[RejectReasonKey])
		}
		if d := time.Since(start); d > 2*time.Second {
			t.Errorf("took %v", d)
		}
	}
}
