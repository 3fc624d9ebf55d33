package auth

import (
	"encoding/json"
	"testing"

	"github.com/skiff-proxy/skiff/filters"
	"github.com/skiff-proxy/skiff/filters/filtertest"
)

func decode(t *testing.T, s string) any {
	t.Helper()
	var v any
	if err := json.Unmarshal([]byte(s), &v); err != nil {
		t.Fatal(err)
	}
	return v
}

func TestLookupPath(t *testing.T) {
	doc := decode(t, `{"uid":"alice","scope":["s1","s2"],"expires_in":3599,"ratio":1.5,"big":1e21,
		"active":true,"none":null,"realm":"/employees","a":{"b":{"c":"deep"}},"a.b":"dotted",
		"friends":[{"first":"Dale","age":44},{"first":"Roger"},{"last":"x"}],"nested":[[1,2],[3]],
		"html":"<b>&","sub":"s","sum":"t"}`)
	for _, tc := range []struct {
		path string
		want string
		ok   bool
	}{
		{"uid", "alice", true},
		{"scope", `["s1","s2"]`, true},
		{"scope.0", "s1", true},
		{"scope.1", "s2", true},
		{"scope.2", "", false},
		{"scope.-1", "", false},
		{"scope.#", "2", true},
		{"expires_in", "3599", true},
		{"ratio", "1.5", true},
		{"big", "1e+21", true},
		{"active", "true", true},
		{"none", "", true},
		{"missing", "", false},
		{"a.b.c", "deep", true},
		{"a.b", `{"c":"deep"}`, true},
		{`a\.b`, "dotted", true},
		{"a.x", "", false},
		{"uid.x", "", false},
		{"friends.#.first", `["Dale","Roger"]`, true},
		{"friends.#.age", `[44]`, true},
		{"friends.1.first", "Roger", true},
		{"nested.#.#", `[2,1]`, true},
		{"su?", "s", true},
		{"su*", "s", true},
		{"fr*.0.first", "Dale", true},
		{`sc\*`, "", false},
		{"html", "<b>&", true},
		{"a", `{"b":{"c":"deep"}}`, true},
		// GJSON syntax beyond plain paths finds nothing
		{"friends.#(age>40).first", "", false},
		{"@reverse", "", false},
		{"scope|0", "", false},
		{"", "", false},
	} {
		got, ok := lookupPath(doc, tc.path)
		if got != tc.want || ok != tc.ok {
			t.Errorf("%q: %q %v, want %q %v", tc.path, got, ok, tc.want, tc.ok)
		}
	}

	tok := (&Token{Subject: "sub1", Claims: map[string]any{"email": "a@example.org", "sub": "sub1", "groups": []any{"x"}}}).tree()
	for _, tc := range []struct {
		path string
		want string
		ok   bool
	}{
		{"subject", "sub1", true},
		{"claims.email", "a@example.org", true},
		{"claims.groups.0", "x", true},
		{"oidctoken", "", true},
		{"oauth2token", "", true},
		{"email", "", false},
		{"s*", "sub1", true},
		{"claims", `{"email":"a@example.org","groups":["x"],"sub":"sub1"}`, true},
	} {
		got, ok := lookupPath(tok, tc.path)
		if got != tc.want || ok != tc.ok {
			t.Errorf("token %q: %q %v, want %q %v", tc.path, got, ok, tc.want, tc.ok)
		}
	}
	b, err := json.Marshal(&Token{Subject: "s", Claims: map[string]any{"sub": "s"}})
	if err != nil || string(b) != `{"oauth2token":null,"oidctoken":"","subject":"s","claims":{"sub":"s"}}` {
		t.Errorf("Token JSON %s, %v", b, err)
	}
}

func TestForwardToken(t *testing.T) {
	specs := Specs(nil)
	tokeninfo := map[string]any{"access_token": "tok", "token_type": "Bearer", "uid": "alice", "scope": []any{"s1"}, "expires_in": 3599.0}
	jwtClaims := &Token{Subject: "sub1", Claims: map[string]any{"sub": "sub1", "email": "a@example.org"}}
	for _, tc := range []struct {
		name   string
		filter string
		args   []any
		bag    map[string]any
		header string
		want   []string // nil: not set
	}{
		// skipper's documented examples
		{"whole tokeninfo", ForwardTokenName, []any{"X-Tokeninfo-Forward"}, map[string]any{TokeninfoKey: tokeninfo}, "X-Tokeninfo-Forward",
			[]string{`{"access_token":"tok","expires_in":3599,"scope":["s1"],"token_type":"Bearer","uid":"alice"}`}},
		{"some fields", ForwardTokenName, []any{"X-Tokeninfo-Forward", "access_token", "token_type"}, map[string]any{TokeninfoKey: tokeninfo}, "X-Tokeninfo-Forward",
			[]string{`{"access_token":"tok","token_type":"Bearer"}`}},
		{"field", ForwardTokenFieldName, []any{"X-Tokeninfo-Forward-Oid", "uid"}, map[string]any{TokeninfoKey: tokeninfo}, "X-Tokeninfo-Forward-Oid", []string{"alice"}},
		{"array field", ForwardTokenFieldName, []any{"X-Scope", "scope"}, map[string]any{TokeninfoKey: tokeninfo}, "X-Scope", []string{`["s1"]`}},

		{"missing fields", ForwardTokenName, []any{"X-T", "nope"}, map[string]any{TokeninfoKey: tokeninfo}, "X-T", []string{`{}`}},
		{"missing field", ForwardTokenFieldName, []any{"X-T", "nope"}, map[string]any{TokeninfoKey: tokeninfo}, "X-T", nil},
		{"nothing validated", ForwardTokenName, []any{"X-T"}, map[string]any{}, "X-T", nil},
		{"nothing validated (field)", ForwardTokenFieldName, []any{"X-T", "uid"}, map[string]any{}, "X-T", nil},
		{"JWT claims", ForwardTokenName, []any{"X-Claims"}, map[string]any{ClaimsKey: jwtClaims}, "X-Claims",
			[]string{`{"email":"a@example.org","sub":"sub1"}`}},
		{"JWT claim field", ForwardTokenFieldName, []any{"X-Email", "claims.email"}, map[string]any{ClaimsKey: jwtClaims}, "X-Email", []string{"a@example.org"}},
		{"JWT subject field", ForwardTokenFieldName, []any{"X-Sub", "subject"}, map[string]any{ClaimsKey: jwtClaims}, "X-Sub", []string{"sub1"}},
		{"tokeninfo first", ForwardTokenFieldName, []any{"X-Sub", "uid"}, map[string]any{ClaimsKey: jwtClaims, TokeninfoKey: tokeninfo}, "X-Sub", []string{"alice"}},
		{"control characters", ForwardTokenFieldName, []any{"X-T", "v"}, map[string]any{TokeninfoKey: map[string]any{"v": "a\r\nX-Evil: 1"}}, "X-T", nil},
		{"DEL in JSON", ForwardTokenName, []any{"X-T"}, map[string]any{TokeninfoKey: map[string]any{"v": "a\x7f"}}, "X-T", nil},
		{"replaces the header", ForwardTokenFieldName, []any{"authorization", "uid"}, map[string]any{TokeninfoKey: tokeninfo}, "Authorization", []string{"alice"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := filtertest.Create(t, filtertest.Spec(t, specs, tc.filter), tc.args...)
			r := bearerRequest("secret")
			ctx := filtertest.NewContext(r)
			ctx.FStateBag = tc.bag
			f.Request(ctx)
			f.Response(ctx)
			got := r.Header.Values(tc.header)
			if len(got) != len(tc.want) {
				t.Fatalf("%s: %q, want %q", tc.header, got, tc.want)
			}
			for i := range tc.want {
				if got[i] != tc.want[i] {
					t.Errorf("%s: %q, want %q", tc.header, got[i], tc.want[i])
				}
			}
		})
	}
}

func TestForwardArgs(t *testing.T) {
	specs := Specs(nil)
	for _, tc := range []struct {
		name string
		args []any
		bad  string
	}{
		{ForwardTokenName, []any{"X-A"}, ""},
		{ForwardTokenName, []any{"X-A", "a", "b"}, ""},
		{ForwardTokenName, nil, "want at least 1 argument(s), got 0"},
		{ForwardTokenName, []any{1.0}, "argument 1 (header name) must be a string"},
		{ForwardTokenName, []any{"X A"}, "is not a valid header name"},
		{ForwardTokenName, []any{"X-A", 2.0}, "argument 2 (field) must be a string"},
		{ForwardTokenFieldName, []any{"X-A", "uid"}, ""},
		{ForwardTokenFieldName, []any{"X-A"}, "want 2 argument(s), got 1"},
		{ForwardTokenFieldName, []any{"X-A", "a", "b"}, "want 2 argument(s), got 3"},
		{ForwardTokenFieldName, []any{"X:A", "uid"}, "is not a valid header name"},
		{ForwardTokenFieldName, []any{"X-A", ""}, "argument 2 (field path) must not be empty"},
	} {
		filtertest.CheckCreate(t, filtertest.Spec(t, specs, tc.name), tc.args, tc.bad)
	}
}

func TestSpecNames(t *testing.T) {
	var names []string
	for _, s := range Specs(nil) {
		names = append(names, s.Name())
	}
	want := []string{"basicAuth", "jwtValidation", "jwtValidationKeys", "oauthTokeninfoAnyScope", "oauthTokeninfoAllScope",
		"oauthTokeninfoAnyKV", "oauthTokeninfoAllKV", "oauthTokeninfoValidate", "forwardToken", "forwardTokenField"}
	if len(names) != len(want) {
		t.Fatalf("names %v, want %v", names, want)
	}
	for i := range want {
		if names[i] != want[i] {
			t.Errorf("names %v, want %v", names, want)
		}
	}
	var _ filters.Closer = (*jwtFilter)(nil)
}
