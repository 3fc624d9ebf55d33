package forwarded

import (
	"net/http"
	"regexp"
	"strings"

	"github.com/skiff-proxy/skiff/filters/specargs"
	"github.com/skiff-proxy/skiff/routing"
)

// Names of the predicates.
const (
	HostName     = "ForwardedHost"
	ProtocolName = "ForwardedProtocol"
)

type hostSpec struct{}

// NewHost returns the ForwardedHost(regexp) spec: the host parameter of
// the Forwarded header matches the regular expression.
func NewHost() routing.PredicateSpec { return hostSpec{} }

func (hostSpec) Name() string { return HostName }

func (hostSpec) Create(a []any) (routing.Predicate, error) {
	args := specargs.Predicate(HostName, a)
	if err := args.Count(1, 1); err != nil {
		return nil, err
	}
	s, err := args.NonEmptyString(0, "host regexp")
	if err != nil {
		return nil, err
	}
	rx, err := regexp.Compile(s)
	if err != nil {
		return nil, args.Errorf("host regexp %q: %v", s, err)
	}
	return hostPredicate{rx}, nil
}

type hostPredicate struct{ rx *regexp.Regexp }

func (p hostPredicate) Match(r *http.Request) bool {
	v := r.Header.Get("Forwarded")
	if v == "" {
		return false
	}
	host, _ := params(v)
	return p.rx.MatchString(host)
}

type protoSpec struct{}

// NewProtocol returns the ForwardedProtocol("http"|"https") spec: the proto
// parameter of the Forwarded header is the given one.
func NewProtocol() routing.PredicateSpec { return protoSpec{} }

func (protoSpec) Name() string { return ProtocolName }

func (protoSpec) Create(a []any) (routing.Predicate, error) {
	args := specargs.Predicate(ProtocolName, a)
	if err := args.Count(1, 1); err != nil {
		return nil, err
	}
	s, err := args.String(0, "protocol")
	if err != nil {
		return nil, err
	}
	if s != "http" && s != "https" {
		return nil, args.Errorf(`protocol must be "http" or "https", got %q`, s)
	}
	return protoPredicate(s), nil
}

type protoPredicate string

func (p protoPredicate) Match(r *http.Request) bool {
	v := r.Header.Get("Forwarded")
	if v == "" {
		return false
	}
	_, proto := params(v)
	return proto == string(p)
}

// params reads the host and proto parameters of a Forwarded header value.
// Like skipper, the last non-empty occurrence over all its elements
// counts, and quotes around a value are dropped.
func params(v string) (host, proto string) {
	for elem := range strings.SplitSeq(v, ",") {
		for pair := range strings.SplitSeq(strings.TrimSpace(elem), ";") {
			k, val, ok := strings.Cut(strings.TrimSpace(pair), "=")
			val = strings.Trim(val, `"`)
			if !ok || val == "" {
				continue
			}
			switch strings.ToLower(k) {
			case "host":
				host = val
			case "proto":
				proto = val
			}
		}
	}
	return host, proto
}
