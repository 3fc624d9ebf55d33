package proxy

import (
	"net/http"
	"sync"
	"sync/atomic"
)

// maxTLSNames bounds the transports kept for certificate names (one per
// Cloud Foundry app instance, say). Past it, names unused since the last
// idle sweep go first, then arbitrary ones: a dropped name costs a new
// handshake, never a wrong verification.
const maxTLSNames = 4096

// tlsNames keeps an http.Transport per name an https endpoint's
// certificate is verified against (filters.BackendTLSName). The name
// cannot go into one shared transport: its idle connections are pooled by
// address only, so a connection verified for one name would serve a
// request expecting another — the instance that used to listen on a
// reused port.
type tlsNames struct {
	base *http.Transport // cloned for each name
	mu   sync.Mutex
	m    map[string]*namedTransport
}

type namedTransport struct {
	t    *http.Transport
	used atomic.Bool // since the last sweep
}

// get returns the transport for name, making it on first use.
func (n *tlsNames) get(name string) *http.Transport {
	n.mu.Lock()
	defer n.mu.Unlock()
	if e, ok := n.m[name]; ok {
		e.used.Store(true)
		return e.t
	}
	if n.m == nil {
		n.m = make(map[string]*namedTransport)
	}
	if len(n.m) >= maxTLSNames {
		n.sweepLocked()
		for k, e := range n.m {
			if len(n.m) < maxTLSNames {
				break
			}
			e.t.CloseIdleConnections()
			delete(n.m, k)
		}
	}
	t := n.base.Clone()
	t.TLSClientConfig.ServerName = name
	e := &namedTransport{t: t}
	e.used.Store(true)
	n.m[name] = e
	return t
}

// sweep closes the idle connections of every named transport and forgets
// those unused since the previous sweep. Requests still running on a
// forgotten transport finish; its connections close when idle.
func (n *tlsNames) sweep() {
	n.mu.Lock()
	n.sweepLocked()
	n.mu.Unlock()
}

func (n *tlsNames) sweepLocked() {
	for k, e := range n.m {
		e.t.CloseIdleConnections()
		if !e.used.Swap(false) {
			delete(n.m, k)
		}
	}
}

// len is the number of names with a transport.
func (n *tlsNames) len() int {
	n.mu.Lock()
	defer n.mu.Unlock()
	return len(n.m)
}
