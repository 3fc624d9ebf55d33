package config

import (
	"bytes"
	"strings"
	"testing"
)

// TestEtcdOptionErrors: connection flags that the etcd client refuses are
// usage errors, reported before etcd is contacted.
func TestEtcdOptionErrors(t *testing.T) {
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"print", "-etcd-urls", "127.0.0.1:2379"}, `skiff etcd print: etcd: endpoint "127.0.0.1:2379" (Endpoints, -etcd-urls): `},
		{[]string{"check", "-etcd-urls", "http://a:1,https://b:2"}, "skiff etcd check: etcd: endpoints mix http and https"},
		{[]string{"delete", "-ids", "a", "-etcd-ca-file", "ca.pem"}, "skiff etcd delete: etcd: a TLS file is given"},
		{[]string{"upsert", "-routes", "a: * -> <shunt>", "-etcd-username", "u"}, "skiff etcd upsert: etcd: a user name needs a password"},
	} {
		var stdout, stderr bytes.Buffer
		code := Run(Extensions{}, append([]string{"etcd"}, c.args...), nil, &stdout, &stderr)
		if code != 2 || !strings.HasPrefix(stderr.String(), c.want) || !strings.HasSuffix(stderr.String(), "\n"+etcdHintLine) {
			t.Errorf("%q: exit %d, stderr\n%s\nwant exit 2, %q... and the hint", c.args, code, stderr.String(), c.want)
		}
	}
}
