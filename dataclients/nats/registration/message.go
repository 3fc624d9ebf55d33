package registration

import (
	"strconv"
	"strings"
)

// Message is one router.register or router.unregister payload (§3). The
// field types are gorouter's, and so decide what Decode refuses: ports are
// 0-65535, private_instance_index is a string, tags map strings to strings.
type Message struct {
	Host     string // §3.2: Decode refuses an empty host when there are URIs
	Port     uint16
	TLSPort  uint16 // when non-zero it wins over Port (§3.3)
	Protocol string // verbatim: "" and unknown values mean http1 to the pool (§3)
	// URIs are the routes as sent; RouteKey normalises each (§4.1). nil
	// when absent or null, empty and non-nil for [].
	URIs []string
	// Tags is nil when absent or null, empty and non-nil for {} (/routes
	// shows null for one and {} for the other, §12).
	Tags                    map[string]string
	App                     string
	PrivateInstanceID       string
	PrivateInstanceIndex    string // a string on the wire, compared as one (§11)
	StaleThresholdInSeconds int    // see TTL (§6.2)
	IsolationSegment        string // see Accept (§4.6)
	ServerCertDomainSAN     string
	RouteServiceURL         string // empty or starting with "https" (§3.1 rule 5)
	EndpointUpdatedAtNs     int64
	AvailabilityZone        string
	Options                 Options
	// OptionErrors lists the options that were ignored because their
	// value could not be used, each a *DecodeError, in payload order
	// (§3.4: logged, never rejecting the registration).
	OptionErrors []error
}

// Options are the per-route options of §3.4. An option that is absent,
// null or could not be used is the zero value.
type Options struct {
	// LoadBalancing is options.loadbalancing, verbatim: an unknown value
	// is the pool's to ignore (§3.2, §4.4). When it is empty the alias
	// options.lb_algo (EXT, §3.4) is used instead.
	LoadBalancing string
	// HashHeader is options.hash_header: the request header hashed by
	// the "hash" algorithm.
	HashHeader string
	// HashBalance is options.hash_balance, given as a JSON number or as
	// a string holding one ("1.2", as Cloud Controller sends it, §3.4).
	// It is finite and not negative; 0 means not given.
	HashBalance float64
}

// Decode decodes a router.register or router.unregister payload by the
// rules of §3.1 and §3.2: the payload is one JSON object or the literal
// null (a zero Message); keys match case-insensitively and the last of
// duplicates wins; unknown keys are ignored; null leaves a field as it was;
// a value of the wrong type or range anywhere but in options rejects the
// whole message, as does a route_service_url not starting with "https" and
// (skiff's deviation, §3.2) an empty host on a message with URIs. The error
// is a *DecodeError. Options never reject a message (§3.4): see
// Message.OptionErrors.
func Decode(payload []byte) (Message, error) {
	var m Message
	// One copy of the payload: strings without escapes are substrings of
	// it, so a typical message costs this copy, the URI slice and the tag
	// map. Copying also keeps the Message valid if the caller reuses the
	// payload's buffer.
	d := decoder{s: string(payload)}
	if err := d.decode(&m); err != nil {
		return Message{}, err
	}
	if m.Options.LoadBalancing == "" {
		// §3.4, EXT: options.lb_algo is the older name of
		// options.loadbalancing; the current name wins when both are
		// given.
		m.Options.LoadBalancing = d.lbAlgo
	}
	m.OptionErrors = d.optionErrors
	if err := m.check(); err != nil {
		return Message{}, err
	}
	return m, nil
}

// check applies the checks made on a decoded message.
func (m *Message) check() error {
	// §3.1 rule 5: a pure prefix test, so "httpsfoo" passes and
	// "HTTPS://x" does not.
	if m.RouteServiceURL != "" && !strings.HasPrefix(m.RouteServiceURL, "https") {
		return &DecodeError{
			Field:    "route_service_url",
			Expected: `empty or a value starting with "https"`,
			Got:      gotString(m.RouteServiceURL),
			Offset:   -1,
			Err:      ErrValue,
		}
	}
	// §3.2, DEVIATION: gorouter would register ":<port>", which dials the
	// router's own machine. A message without URIs registers nothing, so
	// it stays accepted: the literal null must be (§3.1 rule 1).
	if m.Host == "" && len(m.URIs) > 0 {
		return &DecodeError{
			Field:    "host",
			Expected: "a non-empty host for the URIs",
			Got:      "none",
			Offset:   -1,
			Err:      ErrValue,
		}
	}
	return nil
}

// Address returns the endpoint's address, host:port, and whether the
// endpoint is spoken to over TLS (§3.3): tls_port wins when it is not 0,
// and port is then ignored. The same address identifies the endpoint for
// router.unregister. The host is used as sent, so an IPv6 address gets no
// brackets (COMPAT).
func (m *Message) Address() (addr string, tls bool) {
	port := m.Port
	if m.TLSPort != 0 {
		port, tls = m.TLSPort, true
	}
	var buf [64]byte
	b := append(buf[:0], m.Host...)
	b = append(b, ':')
	b = strconv.AppendUint(b, uint64(port), 10)
	return string(b), tls
}
