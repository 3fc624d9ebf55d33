package eskip

import (
	"errors"
	"fmt"
	"net/netip"
	"strconv"
	"strings"
)

// BackendAddress is a backend or load-balancer endpoint address as the proxy dials it.
type BackendAddress struct {
	Scheme string // lower-case: http, https or h2c
	Host   string // lower-case host:port, the scheme's default port filled in; IPv6 in brackets
}

// String returns the address as scheme://host:port, or "" for the zero
// BackendAddress.
func (a BackendAddress) String() string {
	if a.Scheme == "" && a.Host == "" {
		return ""
	}
	return a.Scheme + "://" + a.Host
}

// The errors of ParseBackendAddress and BackendHost are *AddressError
// values wrapping one of these.
var (
	ErrEmptyAddress      = errors.New("empty address")
	ErrMissingScheme     = errors.New("missing scheme")
	ErrUnsupportedScheme = errors.New("unsupported scheme")
	ErrUserinfo          = errors.New("user information not allowed")
	ErrMissingHost       = errors.New("missing host")
	ErrInvalidHost       = errors.New("invalid host")
	ErrInvalidPort       = errors.New("invalid port")
	ErrInvalidCharacter  = errors.New("invalid character")
)

// AddressError is a backend address that ParseBackendAddress or
// BackendHost refused. Its message names the address and says what was
// expected:
//
//	backend address "ftp://a": unsupported scheme "ftp" (want http, https or h2c)
type AddressError struct {
	Address string // the address as given, a password in it replaced by "xxxxx"
	Err     error  // one of the Err... values of this package
	Detail  string // what was found and what was expected
}

func (e *AddressError) Error() string {
	msg := "backend address " + strconv.Quote(e.Address) + ": " + e.Err.Error()
	if e.Detail != "" {
		msg += " " + e.Detail
	}
	return msg
}

func (e *AddressError) Unwrap() error { return e.Err }

const (
	wantSchemes = "(want http, https or h2c)"
	wantForm    = "(want scheme://host[:port])"
	wantHost    = "(want a DNS name, an IPv4 address or an IPv6 address in brackets)"
	wantPort    = "(want a number from 1 to 65535)"
)

// ParseBackendAddress parses "scheme://host[:port][/path][?query]"; path and query are ignored (skipper ignores them for endpoints).
//
// The scheme is case-insensitive and must be http, https or h2c, the
// schemes the proxy forwards to. The host is required and lower-cased;
// it is a DNS name (ASCII letters, digits, '-', '.', '_'), an IPv4 address
// or an IPv6 address in brackets (without a zone). A port is a
// number from 1 to 65535; without one, or with an empty one ("host:"),
// the scheme's default port is filled in: 80 for http and h2c, 443 for
// https. User information (user@host) and control characters are errors.
// Errors are *AddressError.
//
// An address already in the normal form (lower-case, with a port)
// is parsed without allocating.
func ParseBackendAddress(s string) (BackendAddress, error) {
	if s == "" {
		return BackendAddress{}, addressError(s, ErrEmptyAddress, wantForm)
	}
	i := strings.Index(s, "://")
	if i < 0 {
		return BackendAddress{}, addressError(s, ErrMissingScheme, "(want scheme://host[:port] with scheme http, https or h2c)")
	}
	if i == 0 {
		return BackendAddress{}, addressError(s, ErrMissingScheme, wantSchemes)
	}
	scheme, ok := knownScheme(s[:i])
	if !ok {
		return BackendAddress{}, addressError(s, ErrUnsupportedScheme, strconv.Quote(s[:i])+" "+wantSchemes)
	}
	rest := s[i+3:]
	end := 0
	for end < len(rest) && rest[end] != '/' && rest[end] != '?' && rest[end] != '#' {
		end++
	}
	for j := end; j < len(rest); j++ {
		if c := rest[j]; c < 0x20 || c == 0x7f {
			return BackendAddress{}, addressError(s, ErrInvalidCharacter, fmt.Sprintf("0x%02x in the path or query (want no control characters)", c))
		}
	}
	host, err := hostPort(scheme, rest[:end])
	if err != nil {
		err.Address = s
		return BackendAddress{}, err.redact()
	}
	return BackendAddress{Scheme: scheme, Host: host}, nil
}

// BackendHost returns the address of host, written host or host:port as
// in a Host header, with the scheme scheme: the target of a <dynamic>
// backend given by host and scheme. The rules are those of
// ParseBackendAddress; errors name the address as scheme://host.
func BackendHost(scheme, host string) (BackendAddress, error) {
	sc, ok := knownScheme(scheme)
	if !ok {
		if scheme == "" {
			return BackendAddress{}, addressError("://"+host, ErrMissingScheme, wantSchemes)
		}
		return BackendAddress{}, addressError(scheme+"://"+host, ErrUnsupportedScheme, strconv.Quote(scheme)+" "+wantSchemes)
	}
	h, err := hostPort(sc, host)
	if err != nil {
		err.Address = scheme + "://" + host
		return BackendAddress{}, err.redact()
	}
	return BackendAddress{Scheme: sc, Host: h}, nil
}

// knownScheme returns the lower-case constant for s, case-insensitively.
func knownScheme(s string) (string, bool) {
	switch {
	case strings.EqualFold(s, "http"):
		return "http", true
	case strings.EqualFold(s, "https"):
		return "https", true
	case strings.EqualFold(s, "h2c"):
		return "h2c", true
	}
	return "", false
}

func defaultPort(scheme string) string {
	if scheme == "https" {
		return "443"
	}
	return "80"
}

// hostPort validates the authority a of an address with the known scheme
// and returns it in the normal form: lower-case host, port without leading
// zeros, the default port filled in. It returns a itself when a is in that
// form already. The error's Address is left for the caller to set.
func hostPort(scheme, a string) (string, *AddressError) {
	if at := strings.LastIndexByte(a, '@'); at >= 0 {
		return "", &AddressError{Err: ErrUserinfo, Detail: wantForm}
	}
	var name, port string // name: the host without port, brackets included
	hasPort := false
	if strings.HasPrefix(a, "[") {
		rb := strings.IndexByte(a, ']')
		if rb < 0 {
			return "", &AddressError{Err: ErrInvalidHost, Detail: strconv.Quote(a) + ": missing ']' " + wantHost}
		}
		name = a[:rb+1]
		switch after := a[rb+1:]; {
		case after == "":
		case after[0] == ':':
			port, hasPort = after[1:], true
		default:
			return "", &AddressError{Err: ErrInvalidHost, Detail: strconv.Quote(a) + " (want [IPv6] or [IPv6]:port)"}
		}
		if err := checkIPv6(name[1 : len(name)-1]); err != nil {
			return "", err
		}
	} else {
		name = a
		if c := strings.LastIndexByte(a, ':'); c >= 0 {
			name, port, hasPort = a[:c], a[c+1:], true
		}
		if name == "" {
			return "", &AddressError{Err: ErrMissingHost, Detail: wantForm}
		}
		if strings.IndexByte(name, ':') >= 0 {
			return "", &AddressError{Err: ErrInvalidHost, Detail: strconv.Quote(a) + " (want an IPv6 address in brackets, e.g. [::1]:8080)"}
		}
		for i := 0; i < len(name); i++ {
			if c := name[i]; !hostChar(c) {
				if c >= 0x80 {
					return "", &AddressError{Err: ErrInvalidHost, Detail: strconv.Quote(name) + " (want ASCII: write an international name in its xn-- form)"}
				}
				return "", &AddressError{Err: ErrInvalidHost, Detail: strconv.Quote(name) + ": character " + strconv.QuoteRune(rune(c)) + " not allowed " + wantHost}
			}
		}
	}

	canonical := true
	switch {
	case !hasPort || port == "":
		port, canonical = defaultPort(scheme), false
	default:
		n, ok := 0, true
		for i := 0; i < len(port) && ok; i++ {
			c := port[i]
			ok = '0' <= c && c <= '9'
			n = n*10 + int(c-'0')
			ok = ok && n <= 65535
		}
		if !ok || n == 0 {
			return "", &AddressError{Err: ErrInvalidPort, Detail: strconv.Quote(port) + " " + wantPort}
		}
		if port[0] == '0' {
			port, canonical = strconv.Itoa(n), false
		}
	}
	if canonical && !hasUpper(name) {
		return a, nil
	}
	b := make([]byte, 0, len(name)+1+len(port))
	for i := 0; i < len(name); i++ {
		c := name[i]
		if 'A' <= c && c <= 'Z' {
			c += 'a' - 'A'
		}
		b = append(b, c)
	}
	b = append(b, ':')
	b = append(b, port...)
	return string(b), nil
}

// checkIPv6 validates the text between the brackets of a host: an IPv6
// address. A zone (fe80::1%25eth0) is refused: its host:port form would
// not parse again as an address.
func checkIPv6(s string) *AddressError {
	if strings.IndexByte(s, '%') >= 0 {
		return &AddressError{Err: ErrInvalidHost, Detail: strconv.Quote("["+s+"]") + " (want an IPv6 address without a zone)"}
	}
	if ip, err := netip.ParseAddr(s); err != nil || !ip.Is6() {
		return &AddressError{Err: ErrInvalidHost, Detail: strconv.Quote("["+s+"]") + " (want an IPv6 address between the brackets)"}
	}
	return nil
}

// hostChar reports whether c may appear in a DNS name or IPv4 address.
func hostChar(c byte) bool {
	return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' ||
		c == '-' || c == '.' || c == '_'
}

func hasUpper(s string) bool {
	for i := 0; i < len(s); i++ {
		if 'A' <= s[i] && s[i] <= 'Z' {
			return true
		}
	}
	return false
}

func addressError(s string, err error, detail string) *AddressError {
	return (&AddressError{Address: s, Err: err, Detail: detail}).redact()
}

// redact replaces the password of a user@host address in e.Address with
// "xxxxx", so that error messages and logs do not carry it.
func (e *AddressError) redact() *AddressError {
	s := e.Address
	start := 0
	if i := strings.Index(s, "://"); i >= 0 {
		start = i + 3
	}
	auth := s[start:]
	if end := strings.IndexAny(auth, "/?#"); end >= 0 {
		auth = auth[:end]
	}
	at := strings.LastIndexByte(auth, '@')
	if at < 0 {
		return e
	}
	if c := strings.IndexByte(auth[:at], ':'); c >= 0 {
		e.Address = s[:start+c+1] + "xxxxx" + s[start+at:]
	}
	return e
}
