package cfhttp

import (
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"
)

func TestBody(t *testing.T) {
	for _, tt := range []struct {
		e    Error
		want string
	}{
		{Error{Status: 404, Message: "m"}, "404 Not Found: m\n"},
		{Error{Status: 503}, "503 Service Unavailable\n"},
		{Error{Status: 496}, "496 SSL Certificate Required\n"},
		{Error{Status: 499}, "499 Request Cancelled\n"},
		{Error{Status: 525}, "525 SSL Handshake Failed\n"},
		{Error{Status: 526, Message: "x"}, "526 Invalid SSL Certificate: x\n"},
		{Error{Status: 431}, "431 Request Header Fields Too Large\n"},
		// An unknown code has no reason phrase; the format still holds.
		{Error{Status: 599}, "599 \n"},
	} {
		if got := tt.e.Body(); got != tt.want {
			t.Errorf("%+v.Body() = %q, want %q", tt.e, got, tt.want)
		}
	}
}

// routerErrorCases pin §10's rows and the bodies of §18 cases 31, 40–44
// byte for byte.
var routerErrorCases = []struct {
	name         string
	e            Error
	status       int
	routerError  string
	body         string
	cacheControl string
}{
	{"empty host (case 41)", EmptyHost(), 400, "empty_host",
		"400 Bad Request: Request had empty Host header\n", "public,max-age=2"},
	{"invalid app instance (case 42)", InvalidAppInstanceHeader(), 400, "invalid_cf_app_instance_header",
		"400 Bad Request: Invalid X-CF-App-Instance Header\n", "no-cache, no-store"},
	{"invalid process instance", InvalidProcessInstanceHeader(), 400, "invalid_cf_process_instance_header",
		"400 Bad Request: Invalid X-CF-Process-Instance Header\n", "no-cache, no-store"},
	{"unknown route (case 40)", UnknownRoute("nope.test:8081"), 404, "unknown_route",
		"404 Not Found: Requested route ('nope.test:8081') does not exist.\n", "no-cache, no-store"},
	{"instance not found (case 42)", InstanceNotFound("aaaaaaaa-aaaa-aaaa-aaaa-aaaaaaaaaaaa", "7", "app.test"), 400, "unknown_route",
		"400 Bad Request: Requested instance ('7') with guid ('aaaaaaaa-aaaa-aaaa-aaaa-aaaaaaaaaaaa') does not exist for route ('app.test')\n", "no-cache, no-store"},
	{"process instance not found", ProcessInstanceNotFound("bbbbbbbb-bbbb-bbbb-bbbb-bbbbbbbbbbbb", "3", "p.test:80"), 400, "unknown_route",
		"400 Bad Request: Requested instance ('3') with process guid ('bbbbbbbb-bbbb-bbbb-bbbb-bbbbbbbbbbbb') does not exist for route ('p.test:80')\n", "no-cache, no-store"},
	{"process not found, no index", ProcessInstanceNotFound("bbbbbbbb-bbbb-bbbb-bbbb-bbbbbbbbbbbb", "", "p.test"), 400, "unknown_route",
		"400 Bad Request: Requested instance with process guid ('bbbbbbbb-bbbb-bbbb-bbbb-bbbbbbbbbbbb') does not exist for route ('p.test')\n", "no-cache, no-store"},
	{"no endpoints (case 43)", NoEndpoints("ep.test"), 503, "no_endpoints",
		"503 Service Unavailable: Requested route ('ep.test') has no available endpoints.\n", "public,max-age=2"},
	{"connection limit (case 31)", ConnectionLimit("mc.test"), 503, "Connection Limit Reached",
		"503 Service Unavailable: Requested route ('mc.test') has reached the connection limit.\n", ""},
	{"route services disabled (case 44)", RouteServicesDisabled(), 502, "route_service_unsupported",
		"502 Bad Gateway: Support for route services is disabled.\n", ""},
	{"websocket with route service", WebSocketRouteService(), 503, "route_service_unsupported",
		"503 Service Unavailable: Websocket requests are not supported for routes bound to Route Services.\n", ""},
	{"expired route service signature", ExpiredRouteServiceSignature(errors.New("route service request expired")), 504, "expired_route_service_signature",
		"504 Gateway Timeout: Failed to validate Route Service Signature: route service request expired\n", ""},
	{"invalid route service signature", InvalidRouteServiceSignature(), 400, "invalid_route_service_signature",
		"400 Bad Request: invalid route service signature detected\n", ""},
}

func TestWrite(t *testing.T) {
	for _, tt := range routerErrorCases {
		t.Run(tt.name, func(t *testing.T) {
			w := httptest.NewRecorder()
			w.Header().Set("Connection", "keep-alive")
			w.Header().Set("X-Earlier-Filter", "kept")
			tt.e.Write(w)

			if w.Code != tt.status {
				t.Errorf("status %d, want %d", w.Code, tt.status)
			}
			if got := w.Body.String(); got != tt.body {
				t.Errorf("body %q, want %q", got, tt.body)
			}
			h := w.Header()
			want := map[string]string{
				"Content-Type":           "text/plain; charset=utf-8",
				"X-Content-Type-Options": "nosniff",
				"X-Cf-Routererror":       tt.routerError,
				"Cache-Control":          tt.cacheControl,
				"Connection":             "",
				"X-Earlier-Filter":       "kept",
			}
			for k, v := range want {
				if got := h.Get(k); got != v {
					t.Errorf("%s: %q, want %q", k, got, v)
				}
			}
			if _, ok := h["Cache-Control"]; !ok && tt.cacheControl != "" || ok && tt.cacheControl == "" {
				t.Errorf("Cache-Control present %v, want %v", ok, tt.cacheControl != "")
			}
		})
	}
}

func TestWriteOmitsEmptyHeadersAndKeepsConnectionBelow300(t *testing.T) {
	w := httptest.NewRecorder()
	w.Header().Set("Connection", "close")
	Error{Status: 200, Message: "fine"}.Write(w)
	if _, ok := w.Header()["X-Cf-Routererror"]; ok {
		t.Error("X-Cf-Routererror set for an empty RouterError")
	}
	if _, ok := w.Header()["Cache-Control"]; ok {
		t.Error("Cache-Control set for an empty CacheControl")
	}
	if got := w.Header().Get("Connection"); got != "close" {
		t.Errorf("Connection %q, want it kept for status 200", got)
	}
	if got := w.Body.String(); got != "200 OK: fine\n" {
		t.Errorf("body %q", got)
	}
}

func TestResponse(t *testing.T) {
	req := httptest.NewRequest("GET", "http://nope.test:8081/", nil)
	for _, tt := range routerErrorCases {
		t.Run(tt.name, func(t *testing.T) {
			resp := tt.e.Response(req)
			if wantStatus := fmt.Sprintf("%d %s", tt.status, http.StatusText(tt.status)); resp.StatusCode != tt.status || resp.Status != wantStatus {
				t.Errorf("status %d %q", resp.StatusCode, resp.Status)
			}
			if resp.Proto != "HTTP/1.1" || resp.ProtoMajor != 1 || resp.ProtoMinor != 1 {
				t.Errorf("proto %q %d.%d", resp.Proto, resp.ProtoMajor, resp.ProtoMinor)
			}
			if resp.Request != req {
				t.Error("Request not set")
			}
			if resp.ContentLength != int64(len(tt.body)) {
				t.Errorf("ContentLength %d, want %d", resp.ContentLength, len(tt.body))
			}
			b, err := io.ReadAll(resp.Body)
			if err != nil {
				t.Fatal(err)
			}
			if err := resp.Body.Close(); err != nil {
				t.Fatal(err)
			}
			if string(b) != tt.body {
				t.Errorf("body %q, want %q", b, tt.body)
			}
			if got := resp.Header.Get("X-Cf-Routererror"); got != tt.routerError {
				t.Errorf("X-Cf-Routererror %q, want %q", got, tt.routerError)
			}
			if got := resp.Header.Get("Cache-Control"); got != tt.cacheControl {
				t.Errorf("Cache-Control %q, want %q", got, tt.cacheControl)
			}
			if got := resp.Header.Get("Content-Type"); got != "text/plain; charset=utf-8" {
				t.Errorf("Content-Type %q", got)
			}
			if got := resp.Header.Get("X-Content-Type-Options"); got != "nosniff" {
				t.Errorf("X-Content-Type-Options %q", got)
			}
		})
	}
}
