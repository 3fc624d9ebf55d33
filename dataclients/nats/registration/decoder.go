package registration

import (
	"math"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf16"
	"unicode/utf8"
)

// The decoder replicates what Go's encoding/json does when it decodes a
// payload into gorouter's message struct (§3.1), down to the corners an
// emitter can reach by accident: a syntax error anywhere rejects the
// payload, even inside an unknown key; so does nesting deeper than 10000;
// invalid UTF-8 and lone surrogates in strings become U+FFFD; keys match
// the field names under Unicode case folding ("hoſt" is host); null leaves
// a string or number field as an earlier duplicate key set it but clears
// the URIs and the tags; a second "tags" object adds to the first; a second
// "uris" array reuses the first one's backing array. The differential fuzz
// target FuzzDecode holds it to encoding/json.

// maxDepth is the nesting encoding/json accepts; one more level is a
// syntax error. The message object itself is level 1.
const maxDepth = 10000

type decoder struct {
	s     string // the payload
	i     int    // the next byte to read
	depth int    // objects and arrays open at i

	// urisExact: the Message's URIs were made at their length, not at the
	// capacity encoding/json's growth would give them (see uris).
	urisExact bool

	lbAlgo       string // options.lb_algo, the alias of loadbalancing (§3.4)
	optionErrors []error
}

// field is a key of §3 that Decode stores.
type field uint8

const (
	fUnknown field = iota
	fHost
	fPort
	fTLSPort
	fProtocol
	fURIs
	fTags
	fApp
	fPrivateInstanceID
	fPrivateInstanceIndex
	fStaleThresholdInSeconds
	fIsolationSegment
	fServerCertDomainSAN
	fRouteServiceURL
	fEndpointUpdatedAtNs
	fAvailabilityZone
	fOptions
	numFields
)

var fieldNames = [numFields]string{
	fHost:                    "host",
	fPort:                    "port",
	fTLSPort:                 "tls_port",
	fProtocol:                "protocol",
	fURIs:                    "uris",
	fTags:                    "tags",
	fApp:                     "app",
	fPrivateInstanceID:       "private_instance_id",
	fPrivateInstanceIndex:    "private_instance_index",
	fStaleThresholdInSeconds: "stale_threshold_in_seconds",
	fIsolationSegment:        "isolation_segment",
	fServerCertDomainSAN:     "server_cert_domain_san",
	fRouteServiceURL:         "route_service_url",
	fEndpointUpdatedAtNs:     "endpoint_updated_at_ns",
	fAvailabilityZone:        "availability_zone",
	fOptions:                 "options",
}

// fieldOf finds the field a key names. Emitters send the exact names, so
// that is one switch; any other key is compared under case folding, as
// encoding/json does (§3.1 rule 2).
func fieldOf(key string) field {
	switch key {
	case "host":
		return fHost
	case "port":
		return fPort
	case "tls_port":
		return fTLSPort
	case "protocol":
		return fProtocol
	case "uris":
		return fURIs
	case "tags":
		return fTags
	case "app":
		return fApp
	case "private_instance_id":
		return fPrivateInstanceID
	case "private_instance_index":
		return fPrivateInstanceIndex
	case "stale_threshold_in_seconds":
		return fStaleThresholdInSeconds
	case "isolation_segment":
		return fIsolationSegment
	case "server_cert_domain_san":
		return fServerCertDomainSAN
	case "route_service_url":
		return fRouteServiceURL
	case "endpoint_updated_at_ns":
		return fEndpointUpdatedAtNs
	case "availability_zone":
		return fAvailabilityZone
	case "options":
		return fOptions
	}
	return field(foldIndex(key, fieldNames[:]))
}

// option is a key of options (§3.4).
type option uint8

const (
	oUnknown option = iota
	oLoadBalancing
	oLBAlgo
	oHashHeader
	oHashBalance
	numOptions
)

var optionNames = [numOptions]string{
	oLoadBalancing: "loadbalancing",
	oLBAlgo:        "lb_algo",
	oHashHeader:    "hash_header",
	oHashBalance:   "hash_balance",
}

func optionOf(key string) option {
	switch key {
	case "loadbalancing":
		return oLoadBalancing
	case "lb_algo":
		return oLBAlgo
	case "hash_header":
		return oHashHeader
	case "hash_balance":
		return oHashBalance
	}
	return option(foldIndex(key, optionNames[:]))
}

// foldIndex returns the index of the name equal to key under Unicode
// simple case folding, which is encoding/json's key match, or 0. names[0]
// is the empty unknown entry.
func foldIndex(key string, names []string) int {
	for i := 1; i < len(names); i++ {
		if strings.EqualFold(key, names[i]) {
			return i
		}
	}
	return 0
}

func (d *decoder) decode(m *Message) error {
	d.space()
	switch d.peek() {
	case '{':
		if err := d.message(m); err != nil {
			return err
		}
	case 'n':
		// §3.1 rule 1: the literal null is a zero message.
		if err := d.literal("null"); err != nil {
			return err
		}
	default:
		if d.i == len(d.s) {
			return d.syntaxError("a JSON object")
		}
		start := d.i
		if err := d.skip(); err != nil {
			return err
		}
		if err := d.end(); err != nil {
			return err
		}
		return d.typeError("", "a JSON object", start)
	}
	return d.end()
}

// end checks that nothing but white space follows the value.
func (d *decoder) end() error {
	d.space()
	if d.i != len(d.s) {
		return d.syntaxError("the end of the payload")
	}
	return nil
}

func (d *decoder) message(m *Message) error {
	return d.object(func(key string) error { return d.field(m, fieldOf(key)) })
}

// object decodes the members of the object whose '{' is next: for each it
// reads the key and the colon and calls value, which decodes the value.
func (d *decoder) object(value func(key string) error) error {
	if err := d.open(); err != nil {
		return err
	}
	if d.peek() == '}' {
		return d.close()
	}
	for {
		if d.peek() != '"' {
			return d.syntaxError("a key string")
		}
		key, err := d.str()
		if err != nil {
			return err
		}
		if err := d.colon(); err != nil {
			return err
		}
		if err := value(key); err != nil {
			return err
		}
		if more, err := d.next('}'); err != nil || !more {
			return err
		}
	}
}

func (d *decoder) field(m *Message, f field) error {
	name := fieldNames[f]
	switch f {
	case fHost:
		return d.stringValue(&m.Host, name)
	case fPort:
		return d.portValue(&m.Port, name)
	case fTLSPort:
		return d.portValue(&m.TLSPort, name)
	case fProtocol:
		return d.stringValue(&m.Protocol, name)
	case fURIs:
		return d.uris(m)
	case fTags:
		return d.tags(m)
	case fApp:
		return d.stringValue(&m.App, name)
	case fPrivateInstanceID:
		return d.stringValue(&m.PrivateInstanceID, name)
	case fPrivateInstanceIndex:
		return d.stringValue(&m.PrivateInstanceIndex, name)
	case fStaleThresholdInSeconds:
		n, set, err := d.intValue(name, strconv.IntSize)
		if set {
			m.StaleThresholdInSeconds = int(n)
		}
		return err
	case fIsolationSegment:
		return d.stringValue(&m.IsolationSegment, name)
	case fServerCertDomainSAN:
		return d.stringValue(&m.ServerCertDomainSAN, name)
	case fRouteServiceURL:
		return d.stringValue(&m.RouteServiceURL, name)
	case fEndpointUpdatedAtNs:
		n, set, err := d.intValue(name, 64)
		if set {
			m.EndpointUpdatedAtNs = n
		}
		return err
	case fAvailabilityZone:
		return d.stringValue(&m.AvailabilityZone, name)
	case fOptions:
		return d.options(&m.Options)
	}
	// §3: unknown keys are ignored, but their values must be well-formed.
	return d.skip()
}

// stringValue decodes a string field.
func (d *decoder) stringValue(dst *string, name string) error {
	switch d.peek() {
	case '"':
		v, err := d.str()
		if err != nil {
			return err
		}
		*dst = v
		return nil
	case 'n':
		// §3.1 rule 4: null is the zero value, and leaves the value an
		// earlier duplicate key set, as encoding/json does.
		return d.literal("null")
	}
	return d.mismatch(name, "a string")
}

// portValue decodes port and tls_port, gorouter's uint16 fields (§3.1
// rule 3): "8080", 8080.0, 8e3, -1 and 70000 are all refused.
func (d *decoder) portValue(dst *uint16, name string) error {
	const expected = "an integer 0-65535 without fraction or exponent"
	c := d.peek()
	if c == 'n' {
		return d.literal("null")
	}
	if c != '-' && !isDigit(c) {
		return d.mismatch(name, expected)
	}
	start := d.i
	lit, err := d.number()
	if err != nil {
		return err
	}
	// Go's decoder parses the literal as it stands, so a fraction, an
	// exponent or a sign (even -0) is refused.
	n, ok := digitsValue(lit)
	if !ok || n > math.MaxUint16 {
		return &DecodeError{Field: name, Expected: expected, Got: describe(d.s, start, lit), Offset: start, Err: ErrType}
	}
	*dst = uint16(n)
	return nil
}

// intValue decodes an integer field of the given bit size; set says
// whether the field takes the value (null leaves it).
func (d *decoder) intValue(name string, bits int) (n int64, set bool, err error) {
	const expected = "an integer without fraction or exponent"
	c := d.peek()
	if c == 'n' {
		return 0, false, d.literal("null")
	}
	if c != '-' && !isDigit(c) {
		return 0, false, d.mismatch(name, expected)
	}
	start := d.i
	lit, err := d.number()
	if err != nil {
		return 0, false, err
	}
	if u, ok := digitsValue(lit); ok && u < 1<<(bits-1) {
		return int64(u), true, nil // what every emitter sends
	}
	n, err = strconv.ParseInt(lit, 10, bits)
	if err != nil {
		return 0, false, &DecodeError{Field: name, Expected: expected + " that fits in " + strconv.Itoa(bits) + " bits", Got: describe(d.s, start, lit), Offset: start, Err: ErrType}
	}
	return n, true, nil
}

// uris decodes the URI array (§3.1 rule 3: a single string is refused, as
// is any element that is not a string).
func (d *decoder) uris(m *Message) error {
	switch d.peek() {
	case 'n':
		// null clears a slice, unlike a string.
		m.URIs = nil
		return d.literal("null")
	case '[':
	default:
		return d.mismatch("uris", "an array of strings")
	}
	if err := d.open(); err != nil {
		return err
	}
	if cap(m.URIs) == 0 {
		return d.newURIs(m)
	}
	// A second "uris" key. encoding/json decodes into the slice the
	// first one left: it grows it element by element as append does and
	// reslices it within its capacity, so an element that is null keeps
	// the string an earlier array had there. Doing the same keeps even
	// that corner identical, but needs the capacity encoding/json's
	// growth gives, which newURIs did not spend allocations on.
	s := m.URIs
	if d.urisExact {
		s = nil
		for _, u := range m.URIs {
			s = append(s, u)
		}
		d.urisExact = false
	}
	n := 0
	if d.peek() == ']' {
		if err := d.close(); err != nil {
			return err
		}
	} else {
		for {
			if n == cap(s) {
				s = append(s, "")
			}
			if n >= len(s) {
				s = s[:n+1]
			}
			if err := d.uri(&s[n], n); err != nil {
				return err
			}
			n++
			more, err := d.next(']')
			if err != nil {
				return err
			}
			if !more {
				break
			}
		}
	}
	if n == 0 {
		// [] is an empty, non-nil slice, as encoding/json makes it.
		s = []string{}
	}
	m.URIs = s[:n]
	return nil
}

// newURIs decodes the elements of the first "uris" array (the only one,
// in any real message) into a slice of exactly their number: one
// allocation.
func (d *decoder) newURIs(m *Message) error {
	var buf [8]string
	uris := buf[:0]
	if d.peek() == ']' {
		if err := d.close(); err != nil {
			return err
		}
	} else {
		for {
			uris = append(uris, "")
			if err := d.uri(&uris[len(uris)-1], len(uris)-1); err != nil {
				return err
			}
			more, err := d.next(']')
			if err != nil {
				return err
			}
			if !more {
				break
			}
		}
	}
	if len(uris) == 0 {
		m.URIs = []string{}
		return nil
	}
	m.URIs = make([]string, len(uris))
	copy(m.URIs, uris)
	d.urisExact = true
	return nil
}

// uri decodes element n of uris into dst; null leaves dst as it is.
func (d *decoder) uri(dst *string, n int) error {
	switch d.peek() {
	case '"':
		v, err := d.str()
		if err != nil {
			return err
		}
		*dst = v
		return nil
	case 'n':
		return d.literal("null")
	}
	return d.mismatch("uris["+strconv.Itoa(n)+"]", "a string")
}

// tags decodes the tag object (§3.1 rule 3: every value a string).
func (d *decoder) tags(m *Message) error {
	switch d.peek() {
	case 'n':
		m.Tags = nil
		return d.literal("null")
	case '{':
	default:
		return d.mismatch("tags", "an object of strings")
	}
	// The pairs are collected first so that the map is made once at its
	// size; sixteen cover a route emitter's tags without an allocation.
	type pair struct{ k, v string }
	var buf [16]pair
	pairs := buf[:0]
	err := d.object(func(k string) error {
		v := ""
		switch d.peek() {
		case '"':
			var err error
			if v, err = d.str(); err != nil {
				return err
			}
		case 'n':
			// Each map value is decoded into a fresh zero value, so null
			// is "", even over a duplicate key.
			if err := d.literal("null"); err != nil {
				return err
			}
		default:
			return d.mismatch("tags."+clip(k), "a string")
		}
		pairs = append(pairs, pair{k, v})
		return nil
	})
	if err != nil {
		return err
	}
	// A second "tags" key adds to the map of the first, as encoding/json
	// decodes into the map it finds.
	if m.Tags == nil {
		m.Tags = make(map[string]string, len(pairs))
	}
	for _, p := range pairs {
		m.Tags[p.k] = p.v
	}
	return nil
}

// options decodes options leniently (§3.4): the JSON must be well-formed
// like the rest, but a value of the wrong type, or one that cannot be
// used, is recorded in optionErrors and leaves the option as it was.
// Otherwise it follows the rules of the other fields: null leaves an
// option, and a second "options" key adds to the first as it would to
// gorouter's options struct.
func (d *decoder) options(o *Options) error {
	switch d.peek() {
	case 'n':
		return d.literal("null")
	case '{':
	default:
		return d.badOption("options", "an object", ErrType)
	}
	return d.object(func(key string) error {
		switch optionOf(key) {
		case oLoadBalancing:
			return d.optionString(&o.LoadBalancing, "options.loadbalancing")
		case oLBAlgo:
			return d.optionString(&d.lbAlgo, "options.lb_algo")
		case oHashHeader:
			return d.optionString(&o.HashHeader, "options.hash_header")
		case oHashBalance:
			return d.hashBalance(&o.HashBalance)
		}
		// An option this version does not know: ignored, like an unknown
		// key.
		return d.skip()
	})
}

// optionString decodes a string option as stringValue decodes a field,
// but a value of another type makes the option ignored, not the message
// rejected (§3.4).
func (d *decoder) optionString(dst *string, name string) error {
	switch d.peek() {
	case '"', 'n':
		return d.stringValue(dst, name)
	}
	return d.badOption(name, "a string", ErrType)
}

// hashBalance decodes options.hash_balance, which Cloud Controller sends
// as a string ("1.2") and other emitters as a number; §3.4 requires both,
// and a gorouter release that took only numbers dropped whole
// registrations. The string must hold a JSON number, nothing around it.
func (d *decoder) hashBalance(dst *float64) error {
	const (
		name     = "options.hash_balance"
		expected = "a number not below 0, or a string holding one"
	)
	start := d.i
	var lit string
	switch c := d.peek(); {
	case c == 'n':
		return d.literal("null")
	case c == '"':
		v, err := d.str()
		if err != nil {
			return err
		}
		if end, ok := scanNumber(v, 0); !ok || end != len(v) {
			d.optionError(name, expected, start, ErrValue)
			return nil
		}
		lit = v
	case c == '-' || isDigit(c):
		v, err := d.number()
		if err != nil {
			return err
		}
		lit = v
	default:
		return d.badOption(name, expected, ErrType)
	}
	// A well-formed number fails to parse only by overflowing to ±Inf.
	f, err := strconv.ParseFloat(lit, 64)
	if err != nil || f < 0 || math.IsInf(f, 0) {
		d.optionError(name, expected, start, ErrValue)
		return nil
	}
	*dst = f + 0 // -0 is 0
	return nil
}

// badOption skips the value at d.i, which is of the wrong type for the
// option, and records it.
func (d *decoder) badOption(name, expected string, class error) error {
	start := d.i
	if err := d.skip(); err != nil {
		return err
	}
	d.optionError(name, expected, start, class)
	return nil
}

// optionError records the option whose value ran from start to d.i.
func (d *decoder) optionError(name, expected string, start int, class error) {
	d.optionErrors = append(d.optionErrors, &DecodeError{
		Field: name, Expected: expected, Got: describe(d.s, start, d.s[start:d.i]), Offset: start, Err: class,
	})
}

// mismatch reports the value at d.i as being of a type the field cannot
// hold, once it is known to be well-formed: a malformed value is a syntax
// error, whatever the field.
func (d *decoder) mismatch(name, expected string) error {
	start := d.i
	if err := d.skip(); err != nil {
		return err
	}
	return d.typeError(name, expected, start)
}

// typeError reports the value from start to d.i.
func (d *decoder) typeError(name, expected string, start int) error {
	return &DecodeError{Field: name, Expected: expected, Got: describe(d.s, start, d.s[start:d.i]), Offset: start, Err: ErrType}
}

func (d *decoder) syntaxError(expected string) error {
	return &DecodeError{Expected: expected, Got: describe(d.s, d.i, ""), Offset: d.i, Err: ErrSyntax}
}

// The scanner. Its grammar is RFC 8259's, which is what encoding/json
// checks before it decodes anything (§3.1).

func (d *decoder) peek() byte {
	if d.i < len(d.s) {
		return d.s[d.i]
	}
	return 0
}

// space skips white space; JSON's is these four bytes only.
func (d *decoder) space() {
	for d.i < len(d.s) {
		switch d.s[d.i] {
		case ' ', '\t', '\n', '\r':
			d.i++
		default:
			return
		}
	}
}

// open enters the object or array whose bracket is at d.i, and skips the
// white space after it.
func (d *decoder) open() error {
	d.depth++
	if d.depth > maxDepth {
		return d.syntaxError("nesting no deeper than " + strconv.Itoa(maxDepth))
	}
	d.i++
	d.space()
	return nil
}

// close leaves the object or array whose closing bracket is at d.i.
func (d *decoder) close() error {
	d.depth--
	d.i++
	return nil
}

// colon reads the ':' after a key and the white space around it.
func (d *decoder) colon() error {
	d.space()
	if d.peek() != ':' {
		return d.syntaxError("':' after the key")
	}
	d.i++
	d.space()
	return nil
}

// next reads what follows a member or element: ',' (more is true, and the
// white space after it is skipped) or the closing bracket.
func (d *decoder) next(closing byte) (more bool, err error) {
	d.space()
	switch d.peek() {
	case ',':
		d.i++
		d.space()
		return true, nil
	case closing:
		return false, d.close()
	}
	return false, d.syntaxError("',' or '" + string(closing) + "'")
}

func (d *decoder) literal(word string) error {
	if strings.HasPrefix(d.s[d.i:], word) {
		d.i += len(word)
		return nil
	}
	for j := 0; d.i < len(d.s) && j < len(word) && d.s[d.i] == word[j]; j++ {
		d.i++
	}
	return d.syntaxError("the literal " + word)
}

// skip reads one value of any type without storing it.
func (d *decoder) skip() error {
	switch c := d.peek(); c {
	case '"':
		_, _, err := d.scanString()
		return err
	case '{':
		return d.skipObject()
	case '[':
		return d.skipArray()
	case 't':
		return d.literal("true")
	case 'f':
		return d.literal("false")
	case 'n':
		return d.literal("null")
	default:
		if c == '-' || isDigit(c) {
			_, err := d.number()
			return err
		}
		return d.syntaxError("a value")
	}
}

func (d *decoder) skipObject() error {
	if err := d.open(); err != nil {
		return err
	}
	if d.peek() == '}' {
		return d.close()
	}
	for {
		if d.peek() != '"' {
			return d.syntaxError("a key string")
		}
		if _, _, err := d.scanString(); err != nil {
			return err
		}
		if err := d.colon(); err != nil {
			return err
		}
		if err := d.skip(); err != nil {
			return err
		}
		if more, err := d.next('}'); err != nil || !more {
			return err
		}
	}
}

func (d *decoder) skipArray() error {
	if err := d.open(); err != nil {
		return err
	}
	if d.peek() == ']' {
		return d.close()
	}
	for {
		if err := d.skip(); err != nil {
			return err
		}
		if more, err := d.next(']'); err != nil || !more {
			return err
		}
	}
}

// str reads the string at d.i and returns its value: a substring of the
// payload when it has no escapes and is valid UTF-8, which is nearly
// always.
func (d *decoder) str() (string, error) {
	start := d.i + 1
	end, plain, err := d.scanString()
	if err != nil {
		return "", err
	}
	if plain {
		return d.s[start:end], nil
	}
	return unquote(d.s[start:end]), nil
}

// plainByte marks the bytes that stand for themselves in a string.
var plainByte = func() (t [256]bool) {
	for c := 0x20; c < utf8.RuneSelf; c++ {
		t[c] = c != '"' && c != '\\'
	}
	return t
}()

// scanString moves past the string whose opening quote is at d.i. It
// returns the index of the closing quote, and whether the contents can be
// used as they are: no escapes, valid UTF-8.
func (d *decoder) scanString() (end int, plain bool, err error) {
	s := d.s
	i := d.i + 1
	plain = true
	for {
		// Strings are most of a payload, and nearly all their bytes
		// stand for themselves.
		// (A loop from 0 over the rest needs no bounds checks.)
		rest := s[i:]
		k := 0
		for k < len(rest) && plainByte[rest[k]] {
			k++
		}
		i += k
		if i == len(s) {
			d.i = i
			return 0, false, d.syntaxError("a closing '\"'")
		}
		switch c := s[i]; {
		case c == '"':
			d.i = i + 1
			return i, plain, nil
		case c == '\\':
			plain = false
			if i+1 < len(s) {
				switch s[i+1] {
				case '"', '\\', '/', 'b', 'f', 'n', 'r', 't':
					i += 2
					continue
				case 'u':
					k := i + 2
					for k < i+6 && k < len(s) && isHex(s[k]) {
						k++
					}
					if k == i+6 {
						i = k
						continue
					}
					d.i = k
					return 0, false, d.syntaxError(`four hex digits after \u`)
				}
			}
			d.i = i + 1
			return 0, false, d.syntaxError(`an escape: one of \" \\ \/ \b \f \n \r \t \u`)
		case c < 0x20:
			d.i = i
			return 0, false, d.syntaxError("a closing '\"' before the control character")
		default:
			r, size := utf8.DecodeRuneInString(s[i:])
			if r == utf8.RuneError && size == 1 {
				plain = false
			}
			i += size
		}
	}
}

// unquote returns the value of well-formed string contents that need
// work, as encoding/json decodes them: escapes resolved, a surrogate pair
// combined, a lone surrogate and each byte of invalid UTF-8 replaced by
// U+FFFD.
func unquote(s string) string {
	b := make([]byte, 0, len(s)+utf8.UTFMax)
	for i := 0; i < len(s); {
		c := s[i]
		switch {
		case c == '\\':
			e := s[i+1]
			i += 2
			switch e {
			case 'b':
				b = append(b, '\b')
			case 'f':
				b = append(b, '\f')
			case 'n':
				b = append(b, '\n')
			case 'r':
				b = append(b, '\r')
			case 't':
				b = append(b, '\t')
			case 'u':
				r := hex4(s[i:])
				i += 4
				if utf16.IsSurrogate(r) {
					// A pair needs a second \u escape right after; a
					// first half without one, or a second half
					// alone, is U+FFFD, and the following escape is
					// read on its own.
					if i+6 <= len(s) && s[i] == '\\' && s[i+1] == 'u' {
						if dec := utf16.DecodeRune(r, hex4(s[i+2:])); dec != unicode.ReplacementChar {
							b = utf8.AppendRune(b, dec)
							i += 6
							continue
						}
					}
					r = unicode.ReplacementChar
				}
				b = utf8.AppendRune(b, r)
			default: // '"', '\\', '/'
				b = append(b, e)
			}
		case c < utf8.RuneSelf:
			b = append(b, c)
			i++
		default:
			r, size := utf8.DecodeRuneInString(s[i:])
			b = utf8.AppendRune(b, r) // RuneError for an invalid byte
			i += size
		}
	}
	return string(b)
}

// hex4 is the value of the four hex digits at the start of s, which the
// scanner has checked.
func hex4(s string) rune {
	var r rune
	for _, c := range []byte(s[:4]) {
		switch {
		case c <= '9':
			c -= '0'
		case c >= 'a':
			c -= 'a' - 10
		default:
			c -= 'A' - 10
		}
		r = r<<4 | rune(c)
	}
	return r
}

// number reads the number at d.i and returns its text.
func (d *decoder) number() (string, error) {
	end, ok := scanNumber(d.s, d.i)
	if !ok {
		d.i = end
		return "", d.syntaxError("a digit")
	}
	lit := d.s[d.i:end]
	d.i = end
	return lit, nil
}

// scanNumber checks the JSON number that starts at s[i] and returns its
// end, or where it goes wrong: -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?.
func scanNumber(s string, i int) (end int, ok bool) {
	if i < len(s) && s[i] == '-' {
		i++
	}
	switch {
	case i < len(s) && s[i] == '0':
		i++
	case i < len(s) && s[i] >= '1' && s[i] <= '9':
		i = digits(s, i+1)
	default:
		return i, false
	}
	if i < len(s) && s[i] == '.' {
		i++
		if i == len(s) || !isDigit(s[i]) {
			return i, false
		}
		i = digits(s, i)
	}
	if i < len(s) && (s[i] == 'e' || s[i] == 'E') {
		i++
		if i < len(s) && (s[i] == '+' || s[i] == '-') {
			i++
		}
		if i == len(s) || !isDigit(s[i]) {
			return i, false
		}
		i = digits(s, i)
	}
	return i, true
}

// digitsValue is the value of a literal of decimal digits only, as
// strconv.ParseUint gives it; ok is false for anything else and for more
// than 19 digits, which may not fit in 64 bits. It is strconv's result
// without its generality, for the numbers of every message.
func digitsValue(lit string) (n uint64, ok bool) {
	if len(lit) == 0 || len(lit) > 19 {
		return 0, false
	}
	for i := 0; i < len(lit); i++ {
		c := lit[i] - '0'
		if c > 9 {
			return 0, false
		}
		n = n*10 + uint64(c)
	}
	return n, true
}

func digits(s string, i int) int {
	for i < len(s) && isDigit(s[i]) {
		i++
	}
	return i
}

func isDigit(c byte) bool { return c >= '0' && c <= '9' }

func isHex(c byte) bool {
	return c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F'
}
