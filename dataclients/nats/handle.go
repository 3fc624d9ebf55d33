package nats

import (
	"github.com/skiff-proxy/skiff/dataclients/nats/registration"
	"github.com/skiff-proxy/skiff/dataclients/nats/transport"
)

// handle applies one message, on the transport's delivery goroutine, in
// arrival order.
func (c *Client) handle(msg transport.Message) {
	register := msg.Subject == transport.SubjectRegister
	m, err := registration.Decode(msg.Data)
	if err != nil {
		c.stats.rejected.Add(1)
		c.rejectLog.Errorf("nats: validation-error: %s: %v: %.512q", msg.Subject, err, msg.Data)
		return
	}
	for _, oe := range m.OptionErrors {
		c.optionLog.Errorf("nats: %s: option ignored: %v", msg.Subject, oe)
	}
	if !registration.Accept(c.opts.Sharding, c.opts.IsolationSegments, m.IsolationSegment) {
		return
	}
	if len(m.URIs) == 0 {
		return
	}
	if register {
		c.stats.registers.Add(1)
	} else {
		c.stats.unregisters.Add(1)
	}
	addr, tls := m.Address()
	now := c.opts.Now()
	ch := changes{}
	for _, uri := range m.URIs {
		key, contextPath := registration.RouteKey(uri)
		if c.damp != nil {
			k := damperKey{key, addr}
			if !c.damp.Observe(k, register) {
				c.hold(k, &m, register, tls)
				continue
			}
			c.unhold(k)
		}
		if register {
			c.table.register(key, contextPath, &m, addr, tls, now, ch)
		} else if !c.table.unregister(key, addr, now, ch) {
			c.opts.Log.Debugf("nats: endpoint-not-unregistered: %s %s", key, addr)
		}
	}
	c.markDirty(ch)
}

// hold keeps a held registration's message, so that its release can
// apply it; a held unregistration needs only the key, and whether the
// endpoint is TLS (see dropDiscarded).
func (c *Client) hold(k damperKey, m *registration.Message, register, tls bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if register {
		c.held[k] = m
		delete(c.heldOff, k)
	} else {
		delete(c.held, k)
		c.heldOff[k] = tls
	}
}

// unhold forgets what was held for k: a state was applied (a flip back
// to the applied state, or an endpoint that is not suppressed).
func (c *Client) unhold(k damperKey) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(c.held) > 0 {
		delete(c.held, k)
	}
	if len(c.heldOff) > 0 {
		delete(c.heldOff, k)
	}
}

// releaseHeld applies the held states the damper released.
func (c *Client) releaseHeld() {
	rel := c.damp.Tick()
	if len(rel) == 0 {
		c.dropDiscarded()
		return
	}
	now := c.opts.Now()
	ch := changes{}
	for _, r := range rel {
		c.mu.Lock()
		m := c.held[r.Key]
		delete(c.held, r.Key)
		delete(c.heldOff, r.Key)
		c.mu.Unlock()
		if !r.Registered {
			c.table.unregister(r.Key.key, r.Key.addr, now, ch)
			continue
		}
		if m == nil {
			continue
		}
		_, tls := m.Address()
		for _, uri := range m.URIs {
			if key, cp := registration.RouteKey(uri); key == r.Key.key {
				c.table.register(key, cp, m, r.Key.addr, tls, now, ch)
				break
			}
		}
	}
	c.markDirty(ch)
	c.dropDiscarded()
}

// dropDiscarded forgets the held changes the damper discarded after the
// longest suppression. A discarded unregistration of a plain endpoint
// leaves it to its TTL; a TLS endpoint has none (spec §6.3) and would
// stay for ever, so its unregistration is applied instead.
func (c *Client) dropDiscarded() {
	var gone []damperKey
	c.mu.Lock()
	for k := range c.held {
		if st, ok := c.damp.State(k); !ok || st.Held == nil {
			delete(c.held, k)
		}
	}
	for k, tls := range c.heldOff {
		if st, ok := c.damp.State(k); !ok || st.Held == nil {
			delete(c.heldOff, k)
			if tls {
				gone = append(gone, k)
			}
		}
	}
	c.mu.Unlock()
	if len(gone) == 0 {
		return
	}
	ch := changes{}
	now := c.opts.Now()
	for _, k := range gone {
		c.table.unregister(k.key, k.addr, now, ch)
	}
	c.markDirty(ch)
}
