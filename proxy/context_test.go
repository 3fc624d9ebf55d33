package proxy

import (
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"golang.org/x/net/websocket"

	"github.com/skiff-proxy/skiff/filters"
)

func TestFilterLoopbackWithResponse(t *testing.T) {
	be := backend(t, nil)
	reg := testRegistry()
	reg.Register(testSpec{"relookup", func(a []any) filters.Filter {
		keep := a[0].(string) == "keep"
		return funcFilter{rsp: func(c filters.FilterContext) {
			c.Request().URL.Path = "/other"
			if keep {
				c.LoopbackWithResponse()
			} else {
				c.Loopback()
			}
			c.Response().Header.Set("X-After", c.RouteId())
		}}
	}})
	for _, tc := range []struct{ mode, body string }{{"keep", "other"}, {"drop", "backend"}} {
		t.Run(tc.mode, func(t *testing.T) {
			var otherHits int
			other := backend(t, func(w http.ResponseWriter, r *http.Request) { otherHits++; io.WriteString(w, "other") })
			fx := startProxyReg(t, reg, Options{},
				netRoute("main", "/main", be.URL, f("relookup", tc.mode)),
				netRoute("o", "/other", other.URL))
			rsp, body := get(t, fx.url("/main"))
			if body != tc.body || otherHits != 1 {
				t.Errorf("body %q, other backend hit %d times", body, otherHits)
			}
			if got := rsp.Header.Get("X-After"); got != "main" {
				t.Errorf("route id after loopback %q", got)
			}
		})
	}
}

func TestSplit(t *testing.T) {
	shadow := make(chan string, 1)
	reg := testRegistry()
	reg.Register(testSpec{"teeTest", func(a []any) filters.Filter {
		return funcFilter{req: func(c filters.FilterContext) {
			sc, err := c.Split()
			if err != nil {
				shadow <- "error: " + err.Error()
				return
			}
			c.StateBag()["main"] = true
			if _, ok := sc.StateBag()["main"]; ok {
				shadow <- "state bag shared"
				return
			}
			body := sc.Request().Body
			go func() {
				b, _ := io.ReadAll(body)
				shadow <- string(b)
			}()
		}}
	}})
	be := backend(t, nil)
	fx := startProxyReg(t, reg, Options{}, netRoute("r", "/", be.URL, f("teeTest")))
	rsp, _ := do(t, mustReq(t, "POST", fx.url("/"), strings.NewReader("payload")))
	if got := rsp.Header.Get("X-Got-Body"); got != "payload" {
		t.Errorf("backend got %q", got)
	}
	select {
	case got := <-shadow:
		if got != "payload" {
			t.Errorf("split request got %q", got)
		}
	case <-time.After(2 * time.Second):
		t.Fatal("split request body never completed")
	}
}

func TestExpectContinue(t *testing.T) {
	be := backend(t, nil)
	fx := startProxy(t, Options{}, netRoute("r", "/", be.URL))
	req := mustReq(t, "PUT", fx.url("/"), strings.NewReader("expecting"))
	req.Header.Set("Expect", "100-continue")
	rsp, body := do(t, req)
	if rsp.StatusCode != 200 || body != "backend" || rsp.Header.Get("X-Got-Body") != "expecting" {
		t.Errorf("got %d %q body seen %q", rsp.StatusCode, body, rsp.Header.Get("X-Got-Body"))
	}
}

func TestCloseEndsUpgradedConnections(t *testing.T) {
	be := backend(t, nil)
	wsBe := websocketBackend(t)
	fx := startProxy(t, Options{}, netRoute("ws", "/", wsBe), netRoute("r", "/x", be.URL))
	ws, err := websocket.Dial("ws"+strings.TrimPrefix(fx.url("/"), "http"), "", "http://o")
	if err != nil {
		t.Fatal(err)
	}
	defer ws.Close()
	fx.proxy.Close()
	ws.SetReadDeadline(time.Now().Add(2 * time.Second))
	if _, err := ws.Read(make([]byte, 1)); err == nil {
		t.Fatal("upgraded connection still open after Close")
	}
}

func websocketBackend(t *testing.T) string {
	s := backend(t, nil)
	s.Config.Handler = websocket.Handler(func(ws *websocket.Conn) { io.Copy(ws, ws) })
	return s.URL
}
