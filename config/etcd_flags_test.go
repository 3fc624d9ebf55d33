package config

import (
	"errors"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/skiff-proxy/skiff/dataclients/etcd"
)

func TestEtcdCmdFlags(t *testing.T) {
	defaults := etcd.Options{Endpoints: []string{"http://127.0.0.1:2379"}, Prefix: "/skipper", Timeout: time.Second, DialTimeout: 5 * time.Second}
	with := func(edit func(*etcd.Options)) etcd.Options {
		o := defaults
		edit(&o)
		return o
	}
	for _, c := range []struct {
		args    string // split on spaces
		conn    etcd.Options
		etcdSet bool
		ids     []string
		patches []etcdPatch
		err     string
	}{
		{args: "", conn: defaults},
		{args: "-etcd-urls http://a:1,http://b:2 -etcd-urls http://c:3", etcdSet: true,
			conn: with(func(o *etcd.Options) { o.Endpoints = []string{"http://a:1", "http://b:2", "http://c:3"} })},
		{args: "-etcd-prefix /p", etcdSet: true, conn: with(func(o *etcd.Options) { o.Prefix = "/p" })},
		// 0 is "no limit", as for the server.
		{args: "-etcd-timeout 0 -etcd-dial-timeout 2s",
			conn: with(func(o *etcd.Options) { o.Timeout, o.DialTimeout = -1, 2*time.Second })},
		{args: "-insecure -etcd-username u -etcd-password p -etcd-ca-file ca -etcd-cert-file c -etcd-key-file k",
			conn: with(func(o *etcd.Options) {
				o.Insecure, o.Username, o.Password, o.CAFile, o.CertFile, o.KeyFile = true, "u", "p", "ca", "c", "k"
			})},
		{args: "-ids a,,b -ids c", conn: defaults, ids: []string{"a", "b", "c"}},
		{args: "-append a() -prepend-file f -prepend b() -append-file g", conn: defaults, patches: []etcdPatch{
			{prepend: false, text: "a()"}, {prepend: true, file: true, text: "f"}, {prepend: true, text: "b()"}, {file: true, text: "g"}}},
		{args: "-etcd-timeout -1s", err: "invalid value"},
		{args: "-etcd-urls embedded", err: "-etcd-urls embedded runs etcd inside a skiff server"},
		{args: "-pretty -indent x", err: "invalid indent"},
		{args: "-indent x", conn: defaults},
	} {
		var args []string
		if c.args != "" {
			args = strings.Split(c.args, " ")
		}
		f, err := parseEtcdCmdFlags(args)
		if c.err != "" {
			if err == nil || !strings.Contains(err.Error(), c.err) || !errors.As(err, new(etcdUsageError)) {
				t.Errorf("%s: error %v, want a usage error with %q", c.args, err, c.err)
			}
			continue
		}
		if err != nil {
			t.Errorf("%s: %v", c.args, err)
			continue
		}
		if !reflect.DeepEqual(f.conn, c.conn) || f.etcdSet != c.etcdSet || !reflect.DeepEqual(f.ids, c.ids) || !reflect.DeepEqual(f.patches, c.patches) {
			t.Errorf("%s:\n got %+v etcdSet %v ids %q patches %+v\nwant %+v etcdSet %v ids %q patches %+v",
				c.args, f.conn, f.etcdSet, f.ids, f.patches, c.conn, c.etcdSet, c.ids, c.patches)
		}
	}
}
