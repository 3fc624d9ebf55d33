package file

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"

	logtest "github.com/sirupsen/logrus/hooks/test"

	"github.com/skiff-proxy/skiff/dataclients"
	"github.com/skiff-proxy/skiff/eskip"
)

// routesDoc returns n routes of the benchmark form; route 0's backend port
// is variant, so that documents of different variants differ in one route.
func routesDoc(n, variant int) []byte {
	return routesDocAt(n, 0, variant)
}

// routesDocAt is routesDoc with the variant port on route at.
func routesDocAt(n, at, variant int) []byte {
	var b bytes.Buffer
	for i := 0; i < n; i++ {
		port := 9001
		if i == at {
			port += variant
		}
		fmt.Fprintf(&b, "r%d: Host(\"^svc%d[.]example[.]org$\") && PathSubtree(\"/api/v%d\")\n  -> setRequestHeader(\"X-Svc\", \"svc%d\")\n  -> \"http://127.0.0.1:%d\";\n", i, i, i%7, i, port)
	}
	return b.Bytes()
}

// BenchmarkChangeToUpdate measures the time from a routes file of 100,000
// routes being replaced (written to a temporary file, renamed over) until
// the client has sent the Update: debounce (10 ms), read, parse, diff. It
// reports p50 and p99 per kind of change:
//
//   - edit-first, edit-middle: one backend changed, same length;
//
//   - edit-longer: one backend address made longer (offsets after it shift);
//
//   - append: one route added at the end;
//
//   - insert-middle: one route added in the middle, so the 50,000 routes
//     after it move down a line and are sent again with their new position.
//
//     go test -run NONE -bench ChangeToUpdate -benchtime 30x ./dataclients/file/
func BenchmarkChangeToUpdate(b *testing.B) {
	const n = 100_000
	base := routesDoc(n, 0)
	extra := []byte("rx: Path(\"/extra\") -> \"http://127.0.0.1:9002\";\n")
	mid := bytes.Index(base, []byte(fmt.Sprintf("r%d:", n/2)))
	for _, tc := range []struct {
		name    string
		changed []byte
		ups     int
	}{
		{"edit-first", routesDocAt(n, 0, 1), 1},
		{"edit-middle", routesDocAt(n, n/2, 1), 1},
		{"edit-longer", routesDocAt(n, n/2, 10000), 1 + 0},
		{"append", append(append([]byte{}, base...), extra...), 1},
		{"insert-middle", append(append(append([]byte{}, base[:mid]...), extra...), base[mid:]...), 1 + n/2},
	} {
		b.Run(tc.name, func(b *testing.B) {
			measureChange(b, [2][]byte{base, tc.changed}, tc.ups)
		})
	}
}

func measureChange(b *testing.B, docs [2][]byte, ups int) {
	dir := b.TempDir()
	path := filepath.Join(dir, "routes.eskip")
	if err := os.WriteFile(path, docs[0], 0o644); err != nil {
		b.Fatal(err)
	}
	log, _ := logtest.NewNullLogger()
	out := make(chan dataclients.Update)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- New(Options{Paths: []string{path}, Log: log}).Run(ctx, out) }()
	defer func() { cancel(); <-done }()
	<-out
	tmp := filepath.Join(dir, "routes.eskip.tmp")
	var lat []time.Duration
	for i := 0; b.Loop(); i++ {
		if err := os.WriteFile(tmp, docs[(i+1)%2], 0o644); err != nil {
			b.Fatal(err)
		}
		t0 := time.Now()
		if err := os.Rename(tmp, path); err != nil {
			b.Fatal(err)
		}
		u := <-out
		lat = append(lat, time.Since(t0))
		if len(u.Upserts)+len(u.Deletes) < 1 || len(u.Upserts) > ups {
			b.Fatalf("update with %d upserts, %d deletes", len(u.Upserts), len(u.Deletes))
		}
	}
	slices.Sort(lat)
	b.ReportMetric(float64(lat[len(lat)/2].Microseconds())/1000, "p50-ms")
	b.ReportMetric(float64(lat[(len(lat)*99)/100].Microseconds())/1000, "p99-ms")
}

// BenchmarkUpdate100k is the work after reading the file: partial parse
// and change computation, for one route changed in place among 100,000.
func BenchmarkUpdate100k(b *testing.B) {
	text0, text1 := routesDoc(100_000, 0), routesDoc(100_000, 1)
	routes, _ := eskip.ParseDocument("x", text0)
	f := &fileState{path: "x", doc: newDocument(string(text0), routes), routes: routes}
	l := &loop{files: []*fileState{f}}
	l.reset()
	texts := [2]string{string(text1), string(text0)}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		d, err := parseChange(eskip.ParseDocumentString, "x", f.doc, texts[i%2])
		if err != nil {
			b.Fatal(err)
		}
		prev := f.routes
		f.doc, f.routes = d, d.routes
		if u := l.update([]change{{f, prev, d.win}}); len(u.Upserts) != 1 || len(u.Deletes) != 0 {
			b.Fatal(len(u.Upserts), len(u.Deletes))
		}
	}
}
