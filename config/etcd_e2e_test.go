package config

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"maps"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	clientv3 "go.etcd.io/etcd/client/v3"

	"github.com/skiff-proxy/skiff/dataclients/etcd/etcdtest"
	"github.com/skiff-proxy/skiff/eskip"
)

// etcdE2E runs skiff etcd through config.Run against one real etcd; each
// subtest keeps its routes under its own prefix.
type etcdE2E struct {
	t    *testing.T
	urls string
	kv   *clientv3.Client
}

func (e *etcdE2E) run(prefix string, stdin io.Reader, args ...string) (code int, stdout, stderr string) {
	e.t.Helper()
	var out, errOut bytes.Buffer
	all := slices.Concat([]string{"etcd", args[0], "-etcd-urls", e.urls, "-etcd-prefix", prefix}, args[1:])
	code = Run(Extensions{}, all, stdin, &out, &errOut)
	return code, out.String(), errOut.String()
}

// must runs a command that has to succeed and returns its stdout.
func (e *etcdE2E) must(prefix string, stdin io.Reader, args ...string) string {
	e.t.Helper()
	code, stdout, stderr := e.run(prefix, stdin, args...)
	if code != 0 {
		e.t.Fatalf("skiff etcd %s: exit %d\nstderr: %s", strings.Join(args, " "), code, stderr)
	}
	return stdout
}

// keys returns every key under prefix with its value and mod revision,
// and the store's revision.
func (e *etcdE2E) keys(prefix string) (map[string]*mvccKV, int64) {
	e.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	resp, err := e.kv.Get(ctx, prefix+"/", clientv3.WithPrefix())
	if err != nil {
		e.t.Fatal(err)
	}
	m := map[string]*mvccKV{}
	for _, kv := range resp.Kvs {
		m[string(kv.Key)] = &mvccKV{value: string(kv.Value), mod: kv.ModRevision}
	}
	return m, resp.Header.Revision
}

type mvccKV struct {
	value string
	mod   int64
}

func (e *etcdE2E) put(key, value string) {
	e.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if _, err := e.kv.Put(ctx, key, value); err != nil {
		e.t.Fatal(err)
	}
}

func parseEskip(t *testing.T, doc string) []*eskip.Route {
	t.Helper()
	routes, err := eskip.Parse(doc)
	if err != nil {
		t.Fatalf("%v in\n%s", err, doc)
	}
	return sortedRoutes(routes)
}

func sortedRoutes(routes []*eskip.Route) []*eskip.Route {
	slices.SortFunc(routes, func(a, b *eskip.Route) int { return strings.Compare(a.Id, b.Id) })
	return routes
}

const etcdE2ERoutes = `hello: Path("/hello") -> inlineContent("Hello, world!") -> <shunt>;
api: PathSubtree("/api") && Method("GET") -> setRequestHeader("X-A", "<b>&") -> "https://api.example.org";
lb: Path("/lb") -> <roundRobin, "http://10.0.0.1:80", "http://10.0.0.2:80">;
`

func TestEtcdEndToEnd(t *testing.T) {
	emb := etcdtest.Start(t)
	e := &etcdE2E{t: t, urls: strings.Join(emb.Endpoints(), ","), kv: etcdtest.Client(t, emb)}

	t.Run("upsert then print", func(t *testing.T) {
		e.t = t
		file := writeFile(t, "routes.eskip", etcdE2ERoutes)
		e.must("/upsert", nil, "upsert", file)
		got := parseEskip(t, e.must("/upsert", nil, "print"))
		if want := parseEskip(t, etcdE2ERoutes); !eskip.EqLists(got, want) {
			t.Fatalf("print gives\n%s\nwant\n%s", eskip.String(got...), eskip.String(want...))
		}
		keys, _ := e.keys("/upsert")
		if v := keys["/upsert/routes/hello"]; v == nil || v.value != `Path("/hello") -> inlineContent("Hello, world!") -> <shunt>` {
			t.Fatalf("key hello holds %+v, want the route's expression", v)
		}
	})

	t.Run("upsert generates ids", func(t *testing.T) {
		e.t = t
		e.must("/ids", nil, "upsert", "-routes", "* -> status(204) -> <shunt>")
		keys, _ := e.keys("/ids")
		for k, v := range keys {
			if !regexp.MustCompile(`^/ids/routes/route[0-9a-zA-Z]{16}$`).MatchString(k) || v.value != "* -> status(204) -> <shunt>" {
				t.Fatalf("etcd holds %s: %s, want /ids/routes/route<16 letters or digits>: * -> status(204) -> <shunt>", k, v.value)
			}
		}
		if len(keys) != 1 {
			t.Fatalf("etcd holds %d keys, want 1", len(keys))
		}
	})

	t.Run("reset", func(t *testing.T) {
		e.t = t
		e.must("/reset", nil, "upsert", writeFile(t, "old.eskip", etcdE2ERoutes+"gone: Path(\"/gone\") -> <shunt>;\n"))
		before, _ := e.keys("/reset")
		// hello unchanged (written differently), api changed, lb
		// unchanged, gone removed, new added.
		next := strings.Replace(etcdE2ERoutes, `"https://api.example.org"`, `"https://api2.example.org"`, 1)
		next = strings.Replace(next, `inlineContent("Hello, world!")`, "inlineContent(`Hello, world!`)", 1)
		next += "new: Path(\"/new\") -> status(204) -> <shunt>;\n"
		file := writeFile(t, "new.eskip", next)
		code, stdout, stderr := e.run("/reset", nil, "reset", file)
		if code != 0 || stdout != "" || stderr != "2 routes written, 1 deleted\n" {
			t.Fatalf("reset: exit %d\nstdout: %s\nstderr: %q, want \"2 routes written, 1 deleted\\n\"", code, stdout, stderr)
		}
		after, _ := e.keys("/reset")
		for _, id := range []string{"hello", "lb"} {
			k := "/reset/routes/" + id
			if *after[k] != *before[k] {
				t.Errorf("%s was rewritten: %+v, was %+v", k, *after[k], *before[k])
			}
		}
		if after["/reset/routes/api"].mod == before["/reset/routes/api"].mod {
			t.Errorf("api was not written")
		}
		if after["/reset/routes/gone"] != nil || after["/reset/routes/new"] == nil {
			t.Errorf("after reset etcd holds %v", slices.Sorted(maps.Keys(after)))
		}
		if got, want := parseEskip(t, e.must("/reset", nil, "print")), parseEskip(t, next); !eskip.EqLists(got, want) {
			t.Fatalf("print gives\n%s\nwant\n%s", eskip.String(got...), eskip.String(want...))
		}

		// The same file again writes nothing.
		_, rev := e.keys("/reset")
		if code, _, stderr := e.run("/reset", nil, "reset", file); code != 0 || stderr != "0 routes written, 0 deleted\n" {
			t.Fatalf("second reset: exit %d, stderr %q", code, stderr)
		}
		if _, again := e.keys("/reset"); again != rev {
			t.Fatalf("second reset changed the store: revision %d, was %d", again, rev)
		}
	})

	t.Run("delete ids", func(t *testing.T) {
		e.t = t
		e.must("/delete", nil, "upsert", writeFile(t, "routes.eskip", etcdE2ERoutes))
		e.must("/delete", nil, "delete", "-ids", "hello,lb,missing")
		if got := parseEskip(t, e.must("/delete", nil, "print")); len(got) != 1 || got[0].Id != "api" {
			t.Fatalf("after delete etcd holds\n%s\nwant api only", eskip.String(got...))
		}
		// Everything: print piped into delete.
		e.must("/delete", strings.NewReader(e.must("/delete", nil, "print")), "delete")
		if keys, _ := e.keys("/delete"); len(keys) != 0 {
			t.Fatalf("after deleting all etcd holds %v", slices.Sorted(maps.Keys(keys)))
		}
	})

	t.Run("check names the bad key", func(t *testing.T) {
		e.t = t
		e.must("/check", nil, "upsert", writeFile(t, "routes.eskip", etcdE2ERoutes))
		e.must("/check", nil, "check")
		e.put("/check/routes/bad", `Path("/bad") -> foo( -> <shunt>`)
		code, _, stderr := e.run("/check", nil, "check")
		want := "/check/routes/bad:1:22: route \"bad\": expected an argument (number, string or regexp) after \"(\", found \"->\"\n" +
			"skiff etcd check: one or more invalid route expressions\n"
		if code != 1 || stderr != want {
			t.Fatalf("check: exit %d, stderr\n%s\nwant exit 1, stderr\n%s", code, stderr, want)
		}
		// print shows the others and fails.
		code, stdout, _ := e.run("/check", nil, "print")
		if got := parseEskip(t, stdout); code != 1 || len(got) != 3 {
			t.Fatalf("print: exit %d, %d routes, want exit 1 and 3 routes", code, len(got))
		}
	})

	t.Run("print json", func(t *testing.T) {
		e.t = t
		e.must("/json", nil, "upsert", writeFile(t, "routes.eskip", etcdE2ERoutes))
		for _, args := range [][]string{{"print", "-json"}, {"print", "-json", "-pretty"}} {
			stdout := e.must("/json", nil, args...)
			var got []*eskip.Route
			if err := json.Unmarshal([]byte(stdout), &got); err != nil {
				t.Fatalf("%s: %v in\n%s", args, err, stdout)
			}
			if want := parseEskip(t, etcdE2ERoutes); !eskip.EqLists(sortedRoutes(got), want) {
				t.Fatalf("%s: JSON gives\n%s\nwant\n%s", args, eskip.String(got...), eskip.String(want...))
			}
			if !strings.Contains(stdout, `"<b>&"`) {
				t.Errorf("%s: HTML characters escaped in %s", args, stdout)
			}
		}
	})

	t.Run("patch writes nothing", func(t *testing.T) {
		e.t = t
		e.must("/patch", nil, "upsert", writeFile(t, "routes.eskip", etcdE2ERoutes))
		before, rev := e.keys("/patch")
		stdout := e.must("/patch", nil, "patch", "-append", "disableAccessLog()", "-prepend", "preserveHost(\"true\")")
		want := `api: Method("GET") && PathSubtree("/api") -> preserveHost("true") -> setRequestHeader("X-A", "<b>&") -> disableAccessLog() -> "https://api.example.org";` + "\n" +
			`hello: Path("/hello") -> preserveHost("true") -> inlineContent("Hello, world!") -> disableAccessLog() -> <shunt>;` + "\n" +
			`lb: Path("/lb") -> preserveHost("true") -> disableAccessLog() -> <roundRobin, "http://10.0.0.1:80", "http://10.0.0.2:80">;` + "\n"
		if stdout != want {
			t.Fatalf("patch prints\n%s\nwant\n%s", stdout, want)
		}
		after, again := e.keys("/patch")
		if again != rev || len(after) != len(before) {
			t.Fatalf("patch changed etcd: revision %d, was %d", again, rev)
		}
	})
}
