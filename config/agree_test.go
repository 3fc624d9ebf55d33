package config

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"regexp"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/sirupsen/logrus"

	"github.com/skiff-proxy/skiff"
)

// TestCheckAgreesWithServer feeds one routes file, with the flags that
// change how routes are built, to check and to the server: the routes
// check calls broken are exactly those the server refuses.
func TestCheckAgreesWithServer(t *testing.T) {
	file := writeFile(t, "agree.eskip", `a: Path("/a") -> setRequestHeader("X-A", "1") -> <shunt>;
f: Path("/f") -> setPath("/x") -> <forward>;
`)
	// Backend addresses: both use eskip.ParseBackendAddress; a bad
	// address makes one route invalid, not the file.
	backends := writeFile(t, "backends.eskip", `ok: Path("/ok") -> "HTTP://Example.ORG";
okPath: Path("/path") -> "https://[::1]:8443/ignored?q=1";
okH2c: Path("/h2c") -> "h2c://a:08080";
okEmptyPort: Path("/ep") -> "http://a:";
okLB: Path("/lb") -> <roundRobin, "http://a", "HTTP://b:8080?zone=z1">;
ftp: Path("/ftp") -> "ftp://a";
ws: Path("/ws") -> "ws://a";
lbFtp: Path("/lbftp") -> <roundRobin, "ftp://a">;
lbFastcgi: Path("/lbfcgi") -> <"fastcgi://a:9000", "fastcgi://b:9000">;
userinfo: Path("/u") -> "http://user:pw@a";
port: Path("/port") -> "http://a:65536";
lbPort: Path("/lbport") -> <"http://a:80", "http://b:0">;
lbUserinfo: Path("/lbu") -> <"http://u@a">;
host: Path("/host") -> "http://a!b";
bareIPv6: Path("/v6") -> "http://::1";
noHost: Path("/nohost") -> "http:///x";
`)
	for _, tc := range []struct {
		name  string
		file  string // agree.eskip when empty
		flags []string
		want  []string // invalid route ids
	}{
		{"backend addresses", backends, nil, []string{"bareIPv6", "ftp", "host", "lbFastcgi", "lbFtp", "lbPort", "lbUserinfo", "noHost", "port", "userinfo", "ws"}},
		{"no forward backend", "", nil, []string{"f"}},
		{"forward backend", "", []string{"-forward-backend-url", "http://127.0.0.1:9"}, nil},
		{"broken default filter", "", []string{"-default-filters-prepend", `setPath()`}, []string{"a", "f"}},
		{"edit rule breaks a filter", "", []string{"-edit-route", `/setRequestHeader\("X-A", "1"\)/setRequestHeader()/`,
			"-forward-backend-url", "http://127.0.0.1:9"}, []string{"a"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			file := file
			if tc.file != "" {
				file = tc.file
			}
			var stdout, stderr bytes.Buffer
			Run(Extensions{}, append(append([]string{"check"}, tc.flags...), file), nil, &stdout, &stderr)
			if got := checkErrors(stderr.String()); strings.Join(got, ",") != strings.Join(tc.want, ",") {
				t.Errorf("check: broken %v, want %v\n%s", got, tc.want, stderr.String())
			}
			if got := serverInvalid(t, append(tc.flags, "-routes-file", file)); strings.Join(got, ",") != strings.Join(tc.want, ",") {
				t.Errorf("server: invalid %v, want %v", got, tc.want)
			}
		})
	}
}

var checkError = regexp.MustCompile(`(?m)^\S+:\d+:\d+: route "([^"]+)"`)

// checkErrors lists the route ids of check's errors (not warnings), each
// once: a route may have several findings (two bad endpoints).
func checkErrors(stderr string) []string {
	var ids []string
	seen := map[string]bool{}
	for _, m := range checkError.FindAllStringSubmatch(stderr, -1) {
		if !seen[m[1]] {
			seen[m[1]] = true
			ids = append(ids, m[1])
		}
	}
	sort.Strings(ids)
	return ids
}

// serverInvalid serves with the serve flags args and returns the ids of
// the routes /routes lists as invalid.
func serverInvalid(t *testing.T, args []string) []string {
	t.Helper()
	c, _, err := parseServeFlags(args, Extensions{})
	if err != nil {
		t.Fatal(err)
	}
	o := c.opts
	o.Listener, o.SupportNetListener = listenLocal(t), listenLocal(t)
	o.WaitFirstRouteLoad, o.WaitForHealthcheckInterval, o.AccessLogDisabled = true, -1, true
	quiet := logrus.New()
	quiet.SetOutput(io.Discard)
	o.Log = quiet
	support := "http://" + o.SupportNetListener.Addr().String()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- skiff.Run(ctx, o) }()
	defer func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("Run: %v", err)
		}
	}()
	client := &http.Client{Transport: &http.Transport{}, Timeout: 5 * time.Second}
	defer client.CloseIdleConnections()
	// /health turns 200 once the first route set is in and the proxy
	// listener serves.
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(10 * time.Millisecond) {
		rsp, err := client.Get(support + "/health")
		if err == nil {
			rsp.Body.Close()
			if rsp.StatusCode == 200 {
				break
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("not started: %v", err)
		}
	}
	rsp, err := client.Get(support + "/routes?invalid=true&format=json")
	if err != nil {
		t.Fatal(err)
	}
	defer rsp.Body.Close()
	var inv []struct{ Id string }
	if err := json.NewDecoder(rsp.Body).Decode(&inv); err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, r := range inv {
		ids = append(ids, r.Id)
	}
	sort.Strings(ids)
	return ids
}

func listenLocal(t *testing.T) net.Listener {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	return ln
}
