package frontconn

import (
	"bufio"
	"io"
	"net"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// budgetOf is the shared counter of a listener of NewListener.
func budgetOf(l net.Listener) *budget { return &l.(*listener).s.budget }

func TestBudget(t *testing.T) {
	const (
		conns   = 300
		limit   = 1 << 20
		headLen = 40 << 10 // each head needs a 64 KiB buffer, 56 KiB of it on the budget
		piece   = 8 << 10
		perHead = 56 << 10 // what a head takes from the budget
	)
	addr, rec, gl := serveGuarded(t, Config{MaxTotalHeaderBytes: limit}, false)
	b := budgetOf(gl)

	// Watch the counter while the heads trickle in.
	var maxUsed atomic.Int64
	stopWatch := make(chan struct{})
	watched := make(chan struct{})
	go func() {
		defer close(watched)
		for {
			if u := b.used.Load(); u > maxUsed.Load() {
				maxUsed.Store(u)
			}
			select {
			case <-stopWatch:
				return
			case <-time.After(time.Millisecond):
			}
		}
	}()

	type result struct {
		status int
		closed bool
	}
	results := make([]result, conns)
	var refusedSoFar atomic.Int64
	cs := make([]net.Conn, conns)
	var sent, answered sync.WaitGroup
	for i := range conns {
		c, err := net.Dial("tcp", addr)
		if err != nil {
			t.Fatal(err)
		}
		cs[i] = c
		_ = c.SetDeadline(time.Now().Add(time.Minute))
		sent.Add(1)
		go func() {
			defer sent.Done()
			line := "X-Pad: " + strings.Repeat("p", 1000) + "\r\n"
			head := "GET /big HTTP/1.1\r\n" + host + strings.Repeat(line, headLen/len(line))
			for off := 0; off < len(head); off += piece {
				if _, err := io.WriteString(c, head[off:min(off+piece, len(head))]); err != nil {
					return
				}
				time.Sleep(5 * time.Millisecond)
			}
		}()
		answered.Add(1)
		go func() {
			defer answered.Done()
			br := bufio.NewReader(c)
			rsp, err := http.ReadResponse(br, nil)
			if err != nil {
				return
			}
			_, _ = io.Copy(io.Discard, rsp.Body)
			results[i].status = rsp.StatusCode
			if rsp.StatusCode != http.StatusServiceUnavailable {
				return
			}
			refusedSoFar.Add(1)
			_, err = br.ReadByte()
			results[i].closed = err != nil
		}()
	}
	sent.Wait()
	// On a loaded machine the guard may not have read every head yet, and
	// a head it reads only after the others were finished would find the
	// budget free again. Finish the heads once every connection holds its
	// head's allowance or was refused (without a bound that never happens,
	// and the checks below fail).
	for deadline := time.Now().Add(30 * time.Second); time.Now().Before(deadline); time.Sleep(5 * time.Millisecond) {
		if refusedSoFar.Load()+b.used.Load()/perHead >= conns {
			break
		}
	}

	// The heads that got memory are still held; finish them.
	for _, c := range cs {
		_, _ = io.WriteString(c, "\r\n")
	}
	answered.Wait()
	for _, c := range cs {
		_ = c.Close()
	}
	close(stopWatch)
	<-watched

	refused, served := 0, 0
	for i, r := range results {
		switch r.status {
		case http.StatusServiceUnavailable:
			refused++
			if !r.closed {
				t.Errorf("conn %d: 503 but not closed", i)
			}
		case http.StatusOK:
			served++
		default:
			t.Errorf("conn %d: status %d", i, r.status)
		}
	}
	t.Logf("served %d, refused %d, highest budget use %d of %d", served, refused, b.peak.Load(), int64(limit))
	if m := max(maxUsed.Load(), b.peak.Load()); m > limit {
		t.Errorf("guard held %d bytes beyond the allowances, budget %d", m, limit)
	}
	// 18 heads of 56 KiB fit in 1 MiB; the rest must have been refused.
	if served < 10 || refused < conns/2 {
		t.Errorf("served %d, refused %d: the budget did not bound the heads", served, refused)
	}
	if got := len(rec.list()); got != served {
		t.Errorf("handler saw %d requests, %d served", got, served)
	}

	// Everything is given back once the connections are gone.
	deadline := time.Now().Add(5 * time.Second)
	for b.used.Load() != 0 && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	if u := b.used.Load(); u != 0 {
		t.Fatalf("%d bytes of budget still used after all connections closed", u)
	}
	tr := &http.Transport{}
	defer tr.CloseIdleConnections()
	rsp, err := (&http.Client{Transport: tr}).Get("http://" + addr + "/after")
	if err != nil {
		t.Fatal(err)
	}
	_ = rsp.Body.Close()
	if rsp.StatusCode != http.StatusOK {
		t.Fatalf("request after the flood: %d", rsp.StatusCode)
	}
}
