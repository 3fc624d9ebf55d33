package gorouter

import (
	"errors"
	"testing"

	"github.com/skiff-proxy/skiff/dataclients/nats"
	"github.com/skiff-proxy/skiff/dataclients/nats/transport"
)

// X-Vcap-Trace (spec §9.2): the trace key on a request gets the router's
// address and the last endpoint's on a proxied response, nothing else
// does.
func TestTraceHeaders(t *testing.T) {
	const ep = "10.0.0.1:8080"
	traced := map[string]string{headerVcapRouter: "10.9.8.7", headerVcapBackend: ep, headerRouteEndpoint: ep}
	for _, tc := range []struct {
		name     string
		key      string   // Options.TraceKey
		hdr      []string // request headers
		addr     string   // the attempt's endpoint
		proxyErr bool     // the attempt failed
		want     map[string]string
	}{
		{name: "key matches", key: "22", hdr: []string{"X-Vcap-Trace", "22"}, addr: ep, want: traced},
		{name: "other key", key: "22", hdr: []string{"X-Vcap-Trace", "23"}, addr: ep},
		{name: "no header", key: "22", addr: ep},
		{name: "tracing off, empty header", key: "", hdr: []string{"X-Vcap-Trace", ""}, addr: ep},
		{name: "router error: not proxied", key: "22", hdr: []string{"X-Vcap-Trace", "22"}, addr: ep, proxyErr: true},
		{name: "endpoint unregistered on the way", key: "22", hdr: []string{"X-Vcap-Trace", "22"}, addr: "10.0.0.2:9",
			want: map[string]string{headerVcapRouter: "10.9.8.7", headerVcapBackend: "10.0.0.2:9", headerRouteEndpoint: "10.0.0.2:9"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			o := nats.Options{TraceKey: tc.key}
			o.Transport.Host = "10.9.8.7"
			c := newClient(t, o)
			register(t, c, map[string]any{"host": "10.0.0.1", "port": 8080, "uris": []string{"t.test"}})
			f := hdPoolFilter(t, c, "t.test")
			r := hdRequest("http://t.test/", tc.hdr...)
			var err error
			if tc.proxyErr {
				err = errors.New("dial tcp 10.0.0.1:8080: connect: connection refused")
			}
			ctx := hdProxy(f, r, tc.addr, nil, err)
			for _, k := range []string{headerVcapRouter, headerVcapBackend, headerRouteEndpoint} {
				got, ok := ctx.FResponse.Header[k]
				want, wantOK := tc.want[k]
				if ok != wantOK || ok && (len(got) != 1 || got[0] != want) {
					t.Errorf("%s: %q (present %v), want %q (present %v)", k, got, ok, want, wantOK)
				}
			}
		})
	}
}

// Without a configured host the router's address is the one router.start
// announces: the transport's local address.
func TestTraceRouterIPDefault(t *testing.T) {
	c := newClient(t, nats.Options{TraceKey: "k"})
	register(t, c, map[string]any{"host": "10.0.0.1", "port": 8080, "uris": []string{"t.test"}})
	ctx := hdProxy(hdPoolFilter(t, c, "t.test"), hdRequest("http://t.test/", "X-Vcap-Trace", "k"), "10.0.0.1:8080", nil, nil)
	if got, want := ctx.FResponse.Header.Get(headerVcapRouter), transport.LocalIPv4(); got != want {
		t.Errorf("X-Vcap-Router %q, want %q", got, want)
	}
}
