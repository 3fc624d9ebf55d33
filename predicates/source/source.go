package source

import (
	"net/http"
	"net/netip"
	"strings"

	"github.com/skiff-proxy/skiff/filters/specargs"
	"github.com/skiff-proxy/skiff/routing"
)

// Names of the predicates in this package.
const (
	SourceName         = "Source"
	SourceFromLastName = "SourceFromLast"
	ClientIPName       = "ClientIP"
)

type from int

const (
	firstForwarded from = iota // first X-Forwarded-For entry, else remote address
	lastForwarded              // last X-Forwarded-For entry, else remote address
	remoteOnly                 // remote address only
)

type spec struct {
	name string
	from from
}

// NewSource returns the spec of Source(ip-or-cidr, ...): the client is the
// first X-Forwarded-For entry when it is an IP address, else the peer.
func NewSource() routing.PredicateSpec { return spec{SourceName, firstForwarded} }

// NewSourceFromLast returns the spec of SourceFromLast(ip-or-cidr, ...): the
// client is the last X-Forwarded-For entry (the one added by the nearest
// proxy) when it is an IP address, else the peer.
func NewSourceFromLast() routing.PredicateSpec { return spec{SourceFromLastName, lastForwarded} }

// NewClientIP returns the spec of ClientIP(ip-or-cidr, ...): the client is
// the peer address of the connection.
func NewClientIP() routing.PredicateSpec { return spec{ClientIPName, remoteOnly} }

func (s spec) Name() string { return s.name }

func (s spec) Create(a []any) (routing.Predicate, error) {
	args := specargs.Predicate(s.name, a)
	if err := args.Count(1, -1); err != nil {
		return nil, err
	}
	p := &predicate{from: s.from, nets: make([]netip.Prefix, len(a))}
	for i := range a {
		n, err := args.Prefix(i, "network")
		if err != nil {
			return nil, err
		}
		p.nets[i] = n
	}
	return p, nil
}

type predicate struct {
	from from
	nets []netip.Prefix
}

func (p *predicate) Match(r *http.Request) bool {
	addr, ok := p.client(r)
	if !ok {
		return false
	}
	for _, n := range p.nets {
		if n.Contains(addr) {
			return true
		}
	}
	return false
}

func (p *predicate) client(r *http.Request) (netip.Addr, bool) {
	if p.from != remoteOnly {
		if xff := r.Header["X-Forwarded-For"]; len(xff) > 0 {
			var entry string
			if p.from == firstForwarded {
				entry, _, _ = strings.Cut(xff[0], ",")
			} else {
				last := xff[len(xff)-1]
				entry = last[strings.LastIndexByte(last, ',')+1:]
			}
			if a, ok := parse(strings.TrimSpace(entry)); ok {
				return a, true
			}
		}
	}
	return parse(r.RemoteAddr)
}

// parse accepts "ip", "ip:port" and "[ipv6]:port". It picks the form by
// shape so that the usual inputs do not build (allocate) parse errors.
func parse(s string) (netip.Addr, bool) {
	var a netip.Addr
	if strings.HasPrefix(s, "[") || strings.Count(s, ":") == 1 {
		ap, err := netip.ParseAddrPort(s)
		if err != nil {
			return netip.Addr{}, false
		}
		a = ap.Addr()
	} else {
		var err error
		if a, err = netip.ParseAddr(s); err != nil {
			return netip.Addr{}, false
		}
	}
	return a.Unmap().WithZone(""), true
}
