package proxy

import (
	"net/http"
	"testing"
)

func TestClientIP(t *testing.T) {
	for _, tc := range []struct {
		name   string
		xff    []string
		remote string
		want   string
	}{
		{"remote v4", nil, "192.0.2.1:1234", "192.0.2.1"},
		{"remote v6", nil, "[::1]:1234", "::1"},
		{"remote without port", nil, "192.0.2.1", "192.0.2.1"},
		{"one", []string{"10.1.2.3"}, "192.0.2.1:1", "10.1.2.3"},
		{"all of a list", []string{"10.1.2.3, 10.0.0.1"}, "192.0.2.1:1", "10.1.2.3, 10.0.0.1"},
		{"spacing normalised", []string{" 10.1.2.3,10.0.0.1 ,2001:db8::1"}, "192.0.2.1:1", "10.1.2.3, 10.0.0.1, 2001:db8::1"},
		{"several lines", []string{"10.1.2.3", "10.0.0.1, 10.0.0.2"}, "192.0.2.1:1", "10.1.2.3, 10.0.0.1, 10.0.0.2"},
		{"invalid entries left out", []string{"unknown, 10.0.0.1, _hidden, 300.1.1.1"}, "192.0.2.1:1", "10.0.0.1"},
		{"ports dropped", []string{"10.1.2.3:80, [2001:db8::1]:443"}, "192.0.2.1:1", "10.1.2.3, 2001:db8::1"},
		{"nothing valid", []string{"unknown"}, "192.0.2.1:1", "192.0.2.1"},
		{"empty header", []string{""}, "192.0.2.1:1", "192.0.2.1"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := &http.Request{Header: http.Header{}, RemoteAddr: tc.remote}
			if tc.xff != nil {
				r.Header["X-Forwarded-For"] = tc.xff
			}
			if got := clientIP(r); got != tc.want {
				t.Errorf("clientIP = %q, want %q", got, tc.want)
			}
		})
	}
}

func TestClientIPCanonicalListDoesNotAllocate(t *testing.T) {
	r := &http.Request{Header: http.Header{"X-Forwarded-For": {"10.1.2.3, 10.0.0.1"}}, RemoteAddr: "192.0.2.1:1"}
	if n := testing.AllocsPerRun(100, func() { _ = clientIP(r) }); n != 0 {
		t.Errorf("%v allocations", n)
	}
}

func TestAccessLogFlowIdAndAudit(t *testing.T) {
	be := backend(t, nil)
	fx := startProxy(t, Options{},
		netRoute("bag", "/bag", be.URL, f("bag", "flowid", "fromTheFilter1")),
		netRoute("plain", "/plain", be.URL),
	)
	for _, tc := range []struct {
		name, path string
		hdr        map[string]string
		flow       string
		audit      string
	}{
		{"state bag wins", "/bag", map[string]string{"X-Flow-Id": "fromTheClient1"}, "fromTheFilter1", ""},
		{"request header", "/plain", map[string]string{"X-Flow-Id": "fromTheClient1", "X-Unverified-Audit": "sub-1"}, "fromTheClient1", "sub-1"},
		{"none", "/plain", nil, "", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			req := mustReq(t, "GET", fx.url(tc.path), nil)
			for k, v := range tc.hdr {
				req.Header.Set(k, v)
			}
			if rsp, _ := do(t, req); rsp.StatusCode != 200 {
				t.Fatalf("status %d", rsp.StatusCode)
			}
			e := fx.log.last(t)
			if e.FlowId != tc.flow || e.Audit != tc.audit {
				t.Errorf("flow id %q audit %q, want %q %q", e.FlowId, e.Audit, tc.flow, tc.audit)
			}
		})
	}
}
