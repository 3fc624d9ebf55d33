package registration

import (
	"errors"
	"reflect"
	"slices"
	"strings"
	"testing"
	"unicode/utf8"
)

type decodeCase struct {
	name    string
	payload string
	want    Message // when accepted; OptionErrors is compared by optErrs
	optErrs []string
	// when rejected: the class and DecodeError.Field
	err   error
	field string
}

func runDecodeCases(t *testing.T, cases []decodeCase) {
	t.Helper()
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got, err := Decode([]byte(tc.payload))
			if tc.err != nil {
				var de *DecodeError
				if !errors.As(err, &de) {
					t.Fatalf("Decode = %+v, %v; want a *DecodeError", got, err)
				}
				if !errors.Is(err, tc.err) || de.Field != tc.field {
					t.Fatalf("error %q (field %q); want class %q, field %q", err, de.Field, tc.err, tc.field)
				}
				if !reflect.DeepEqual(got, Message{}) {
					t.Errorf("a refused payload gives %+v, want a zero Message", got)
				}
			} else {
				if err != nil {
					t.Fatalf("Decode: %v", err)
				}
				if opts := optionFields(got.OptionErrors); !slices.Equal(opts, tc.optErrs) {
					t.Errorf("option errors on %v, want on %v (%v)", opts, tc.optErrs, got.OptionErrors)
				}
				got.OptionErrors = nil
				if !reflect.DeepEqual(got, tc.want) {
					t.Errorf("got  %#v\nwant %#v", got, tc.want)
				}
			}
			// Each table case is also a case of the definition, Go's
			// decoder: a case written wrongly fails here.
			compareWithReference(t, []byte(tc.payload))
		})
	}
}

// compareWithReference fails when Decode and referenceDecode disagree on
// payload: accept or refuse, the class of a refusal, the Message, and the
// options ignored.
func compareWithReference(t *testing.T, payload []byte) {
	t.Helper()
	got, err := Decode(payload)
	want, wantOpts, refErr := referenceDecode(payload)
	class := referenceClass(refErr)
	if (err == nil) != (refErr == nil) {
		t.Fatalf("payload %q: Decode says %v, encoding/json says %v", payload, err, refErr)
	}
	if err != nil {
		var de *DecodeError
		if !errors.As(err, &de) {
			t.Fatalf("payload %q: error %v is not a *DecodeError", payload, err)
		}
		// encoding/json looks for syntax errors before anything else,
		// so a syntax error found here must be its verdict too, and a
		// type or value error there must be that class here.
		if errors.Is(err, ErrSyntax) && class != "syntax" ||
			class == "type" && !errors.Is(err, ErrType) ||
			(class == "value") != errors.Is(err, ErrValue) {
			t.Fatalf("payload %q: Decode says %v, encoding/json says %v (%s)", payload, err, refErr, class)
		}
		return
	}
	if opts := optionFields(got.OptionErrors); !slices.Equal(opts, wantOpts) {
		t.Fatalf("payload %q: options ignored %v, reference %v", payload, opts, wantOpts)
	}
	got.OptionErrors = nil
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("payload %q:\nDecode    %#v\nreference %#v", payload, got, want)
	}
}

var basicMessage = Message{
	Host: "127.0.0.1", Port: 8080, URIs: []string{"app.test"},
	App: "aaaaaaaa-aaaa-aaaa-aaaa-aaaaaaaaaaaa", PrivateInstanceID: "inst-1",
	PrivateInstanceIndex: "2", Tags: map[string]string{"component": "route-emitter"},
}

func basicWith(change func(*Message)) Message {
	m := basicMessage
	m.URIs = slices.Clone(m.URIs)
	m.Tags = map[string]string{"component": "route-emitter"}
	change(&m)
	return m
}

// §18 part B, the registration-parsing cases, as far as they are about the
// message (§18 B7's "a valid message sent afterwards is registered" holds
// as Decode keeps no state between messages).
var specCases = []decodeCase{
	{name: "B5 basic register", payload: basicPayload, want: basicMessage},
	{name: "B6 no instance id", payload: noInstanceIDPayload, want: basicWith(func(m *Message) { m.PrivateInstanceID = "" })},
	{name: "B7 port as string", payload: withField(`"port":"8080"`), err: ErrType, field: "port"},
	{name: "B7 port above 65535", payload: withField(`"port":70000`), err: ErrType, field: "port"},
	{name: "B7 port as float literal", payload: withField(`"port":8080.0`), err: ErrType, field: "port"},
	{name: "B7 index as number", payload: withField(`"private_instance_index":0`), err: ErrType, field: "private_instance_index"},
	{name: "B7 tag value not a string", payload: withField(`"tags":{"component":1}`), err: ErrType, field: "tags.component"},
	{name: "B7 uris as one string", payload: withField(`"uris":"app.test"`), err: ErrType, field: "uris"},
	{name: "B7 stale threshold as string", payload: withField(`"stale_threshold_in_seconds":"5"`), err: ErrType, field: "stale_threshold_in_seconds"},
	{name: "B7 a valid message afterwards", payload: basicPayload, want: basicMessage},
	{name: "B8 http route service", payload: withField(`"route_service_url":"http://rs.test"`), err: ErrValue, field: "route_service_url"},
	{name: "B8 https route service", payload: withField(`"route_service_url":"https://rs.test"`), want: basicWith(func(m *Message) { m.RouteServiceURL = "https://rs.test" })},
	{name: "B8 prefix test only", payload: withField(`"route_service_url":"httpsfoo"`), want: basicWith(func(m *Message) { m.RouteServiceURL = "httpsfoo" })},
	{name: "B9 keys in any case, unknown key", payload: `{"HOST":"127.0.0.1","Port":8080,"URIS":["ci.test"],"dea":"x"}`, want: Message{Host: "127.0.0.1", Port: 8080, URIs: []string{"ci.test"}}},
	{name: "B9 null", payload: `null`, want: Message{}},
	{name: "B9 array", payload: `[]`, err: ErrType, field: ""},
	{name: "B9 empty", payload: ``, err: ErrSyntax, field: ""},
	{name: "B10 empty host", payload: `{"port":8080,"uris":["nohost.test"]}`, err: ErrValue, field: "host"},
	{name: "B11 multiple URIs", payload: `{"host":"127.0.0.1","port":8080,"uris":["a.test","b.test/x"]}`, want: Message{Host: "127.0.0.1", Port: 8080, URIs: []string{"a.test", "b.test/x"}}},
}

func TestDecodeSpecCases(t *testing.T) { runDecodeCases(t, specCases) }

// §3.1 rule 1: the payload is a JSON object or null.
var shapeCases = []decodeCase{
	{name: "empty", payload: ``, err: ErrSyntax},
	{name: "white space only", payload: " \t\r\n", err: ErrSyntax},
	{name: "array", payload: `["host"]`, err: ErrType},
	{name: "string", payload: `"host"`, err: ErrType},
	{name: "number", payload: `8080`, err: ErrType},
	{name: "true", payload: `true`, err: ErrType},
	{name: "malformed array is a syntax error", payload: `[1,]`, err: ErrSyntax},
	{name: "null", payload: `null`, want: Message{}},
	{name: "null in white space", payload: " null\n", want: Message{}},
	{name: "null misspelt", payload: `nul`, err: ErrSyntax},
	{name: "null and more", payload: `null {}`, err: ErrSyntax},
	{name: "empty object", payload: `{}`, want: Message{}},
	{name: "object in white space", payload: "\t{ \"host\" : \"h\" }\r\n", want: Message{Host: "h"}},
	{name: "two objects", payload: `{}{}`, err: ErrSyntax},
	{name: "trailing garbage", payload: `{"host":"h"} x`, err: ErrSyntax},
	{name: "unterminated object", payload: `{"host":"h"`, err: ErrSyntax},
	{name: "unterminated string", payload: `{"host":"h`, err: ErrSyntax},
	{name: "trailing comma", payload: `{"host":"h",}`, err: ErrSyntax},
	{name: "missing colon", payload: `{"host" "h"}`, err: ErrSyntax},
	{name: "single quotes", payload: `{'host':'h'}`, err: ErrSyntax},
	{name: "byte order mark", payload: "\xef\xbb\xbf{}", err: ErrSyntax},
	{name: "control character in string", payload: "{\"host\":\"a\tb\"}", err: ErrSyntax},
	{name: "bad escape", payload: `{"host":"a\'b"}`, err: ErrSyntax},
	{name: "short unicode escape", payload: `{"host":"\u12"}`, err: ErrSyntax},
	{name: "leading zero", payload: `{"port":08080}`, err: ErrSyntax},
	{name: "plus sign", payload: `{"port":+80}`, err: ErrSyntax},
	{name: "bare minus", payload: `{"port":-}`, err: ErrSyntax},
	{name: "fraction without digits", payload: `{"port":1.}`, err: ErrSyntax},
	{name: "exponent without digits", payload: `{"port":1e}`, err: ErrSyntax},
	{name: "capitalised literal", payload: `{"host":Null}`, err: ErrSyntax},
}

func TestDecodePayloadShape(t *testing.T) { runDecodeCases(t, shapeCases) }

// §3.1 rule 2: keys match case-insensitively, the last duplicate wins;
// and the corners of duplicates that follow from encoding/json.
var keyCases = []decodeCase{
	{name: "upper case", payload: `{"HOST":"h","PORT":1,"TLS_PORT":2,"URIS":["u"],"TAGS":{"K":"V"}}`, want: Message{Host: "h", Port: 1, TLSPort: 2, URIs: []string{"u"}, Tags: map[string]string{"K": "V"}}},
	{name: "mixed case", payload: `{"Host":"h","Private_Instance_Index":"3","Stale_Threshold_In_Seconds":9}`, want: Message{Host: "h", PrivateInstanceIndex: "3", StaleThresholdInSeconds: 9}},
	{name: "escaped key", payload: `{"h\u006fst":"h","\u0070ort":7}`, want: Message{Host: "h", Port: 7}},
	{name: "long s folds to s", payload: `{"ho\u017ft":"h"}`, want: Message{Host: "h"}},
	{name: "long s unescaped", payload: `{"hoſt":"h"}`, want: Message{Host: "h"}},
	{name: "Kelvin sign is not a k in these names", payload: `{"tags":{"\u212a":"v"}}`, want: Message{Tags: map[string]string{"\u212a": "v"}}},
	{name: "tag keys keep their case", payload: `{"tags":{"Component":"x","component":"y"}}`, want: Message{Tags: map[string]string{"Component": "x", "component": "y"}}},
	{name: "near miss is unknown", payload: `{"host ":"h","hosts":"h","ho-st":"h"}`, want: Message{}},
	{name: "last duplicate wins", payload: `{"host":"a","host":"b"}`, want: Message{Host: "b"}},
	{name: "last duplicate wins across case", payload: `{"host":"a","HOST":"b","Host":"c"}`, want: Message{Host: "c"}},
	{name: "duplicate port", payload: `{"port":1,"port":2}`, want: Message{Port: 2}},
	{name: "null after a value keeps the string", payload: `{"host":"a","host":null}`, want: Message{Host: "a"}},
	{name: "null after a value keeps the number", payload: `{"port":1,"port":null,"stale_threshold_in_seconds":5,"stale_threshold_in_seconds":null}`, want: Message{Port: 1, StaleThresholdInSeconds: 5}},
	{name: "second tags object adds to the first", payload: `{"tags":{"a":"1","b":"2"},"tags":{"b":"3","c":"4"}}`, want: Message{Tags: map[string]string{"a": "1", "b": "3", "c": "4"}}},
	{name: "null tags clears", payload: `{"tags":{"a":"1"},"tags":null}`, want: Message{}},
	{name: "second uris array replaces", payload: `{"uris":["a","b"],"uris":["c"],"host":"h"}`, want: Message{Host: "h", URIs: []string{"c"}}},
	{name: "null uris clears", payload: `{"uris":["a"],"uris":null}`, want: Message{}},
	{name: "empty uris after some", payload: `{"uris":["a"],"uris":[]}`, want: Message{URIs: []string{}}},
	{name: "null element keeps an earlier array's element", payload: `{"uris":["a","b"],"uris":[null,null],"host":"h"}`, want: Message{Host: "h", URIs: []string{"a", "b"}}},
	{name: "null element reaches into the capacity", payload: `{"uris":["a","b","c"],"uris":["x"],"uris":[null,null,null],"host":"h"}`, want: Message{Host: "h", URIs: []string{"x", "b", "c"}}},
	{name: "empty array drops the old elements", payload: `{"uris":["a"],"uris":[],"uris":[null],"host":"h"}`, want: Message{Host: "h", URIs: []string{""}}},
	{name: "second options object adds to the first", payload: `{"options":{"loadbalancing":"a"},"options":{"hash_header":"h"},"options":null}`, want: Message{Options: Options{LoadBalancing: "a", HashHeader: "h"}}},
}

func TestDecodeKeys(t *testing.T) { runDecodeCases(t, keyCases) }

// §3.1 rule 3: a value of the wrong type or range anywhere rejects the
// whole message; the boundaries that are accepted.
var typeCases = []decodeCase{
	{name: "port 0", payload: `{"port":0}`, want: Message{}},
	{name: "port 65535", payload: `{"port":65535,"tls_port":65535}`, want: Message{Port: 65535, TLSPort: 65535}},
	{name: "port 65536", payload: `{"port":65536}`, err: ErrType, field: "port"},
	{name: "port -1", payload: `{"port":-1}`, err: ErrType, field: "port"},
	{name: "port -0", payload: `{"port":-0}`, err: ErrType, field: "port"},
	{name: "port 8e3", payload: `{"port":8e3}`, err: ErrType, field: "port"},
	{name: "port huge", payload: `{"port":123456789012345678901234567890}`, err: ErrType, field: "port"},
	{name: "port true", payload: `{"port":true}`, err: ErrType, field: "port"},
	{name: "port object", payload: `{"port":{}}`, err: ErrType, field: "port"},
	{name: "tls_port string", payload: `{"tls_port":"443"}`, err: ErrType, field: "tls_port"},
	{name: "tls_port 70000", payload: `{"tls_port":70000}`, err: ErrType, field: "tls_port"},
	{name: "tls_port float", payload: `{"tls_port":443.0}`, err: ErrType, field: "tls_port"},
	{name: "host number", payload: `{"host":1}`, err: ErrType, field: "host"},
	{name: "host array", payload: `{"host":["h"]}`, err: ErrType, field: "host"},
	{name: "app object", payload: `{"app":{}}`, err: ErrType, field: "app"},
	{name: "protocol false", payload: `{"protocol":false}`, err: ErrType, field: "protocol"},
	{name: "instance id number", payload: `{"private_instance_id":1}`, err: ErrType, field: "private_instance_id"},
	{name: "index number", payload: `{"private_instance_index":0}`, err: ErrType, field: "private_instance_index"},
	{name: "index string", payload: `{"private_instance_index":"0"}`, want: Message{PrivateInstanceIndex: "0"}},
	{name: "isolation segment number", payload: `{"isolation_segment":1}`, err: ErrType, field: "isolation_segment"},
	{name: "SAN number", payload: `{"server_cert_domain_san":1}`, err: ErrType, field: "server_cert_domain_san"},
	{name: "route service number", payload: `{"route_service_url":1}`, err: ErrType, field: "route_service_url"},
	{name: "zone number", payload: `{"availability_zone":1}`, err: ErrType, field: "availability_zone"},
	{name: "tag number", payload: `{"tags":{"component":1}}`, err: ErrType, field: "tags.component"},
	{name: "tag bool", payload: `{"tags":{"a":"b","c":true}}`, err: ErrType, field: "tags.c"},
	{name: "tag object", payload: `{"tags":{"a":{}}}`, err: ErrType, field: "tags.a"},
	{name: "tags array", payload: `{"tags":["a"]}`, err: ErrType, field: "tags"},
	{name: "tags string", payload: `{"tags":"a"}`, err: ErrType, field: "tags"},
	{name: "tag null is empty", payload: `{"tags":{"a":null}}`, want: Message{Tags: map[string]string{"a": ""}}},
	{name: "tag null over a duplicate", payload: `{"tags":{"a":"x","a":null}}`, want: Message{Tags: map[string]string{"a": ""}}},
	{name: "empty tags", payload: `{"tags":{}}`, want: Message{Tags: map[string]string{}}},
	{name: "many tags", payload: `{"tags":{"a":"1","b":"2","c":"3","d":"4","e":"5","f":"6","g":"7","h":"8","i":"9","j":"10","k":"11","l":"12","m":"13","n":"14","o":"15","p":"16","q":"17","r":"18"}}`, want: Message{Tags: map[string]string{"a": "1", "b": "2", "c": "3", "d": "4", "e": "5", "f": "6", "g": "7", "h": "8", "i": "9", "j": "10", "k": "11", "l": "12", "m": "13", "n": "14", "o": "15", "p": "16", "q": "17", "r": "18"}}},
	{name: "uris string", payload: `{"uris":"app.test"}`, err: ErrType, field: "uris"},
	{name: "uris object", payload: `{"uris":{"a":"b"}}`, err: ErrType, field: "uris"},
	{name: "uri number", payload: `{"uris":["a",1]}`, err: ErrType, field: "uris[1]"},
	{name: "uri array", payload: `{"uris":[["a"]]}`, err: ErrType, field: "uris[0]"},
	{name: "uri null is empty", payload: `{"host":"h","uris":[null,"a"]}`, want: Message{Host: "h", URIs: []string{"", "a"}}},
	{name: "stale threshold string", payload: `{"stale_threshold_in_seconds":"5"}`, err: ErrType, field: "stale_threshold_in_seconds"},
	{name: "stale threshold fraction", payload: `{"stale_threshold_in_seconds":5.5}`, err: ErrType, field: "stale_threshold_in_seconds"},
	{name: "stale threshold 5.0", payload: `{"stale_threshold_in_seconds":5.0}`, err: ErrType, field: "stale_threshold_in_seconds"},
	{name: "stale threshold exponent", payload: `{"stale_threshold_in_seconds":1e2}`, err: ErrType, field: "stale_threshold_in_seconds"},
	{name: "stale threshold negative", payload: `{"stale_threshold_in_seconds":-5}`, want: Message{StaleThresholdInSeconds: -5}},
	{name: "stale threshold -0", payload: `{"stale_threshold_in_seconds":-0}`, want: Message{}},
	{name: "stale threshold overflow", payload: `{"stale_threshold_in_seconds":9223372036854775808}`, err: ErrType, field: "stale_threshold_in_seconds"},
	{name: "updated at max", payload: `{"endpoint_updated_at_ns":9223372036854775807}`, want: Message{EndpointUpdatedAtNs: 9223372036854775807}},
	{name: "updated at min", payload: `{"endpoint_updated_at_ns":-9223372036854775808}`, want: Message{EndpointUpdatedAtNs: -9223372036854775808}},
	{name: "updated at overflow", payload: `{"endpoint_updated_at_ns":9223372036854775808}`, err: ErrType, field: "endpoint_updated_at_ns"},
	{name: "updated at string", payload: `{"endpoint_updated_at_ns":"1"}`, err: ErrType, field: "endpoint_updated_at_ns"},
	{name: "updated at fraction", payload: `{"endpoint_updated_at_ns":1.5}`, err: ErrType, field: "endpoint_updated_at_ns"},
	{name: "type error before a syntax error", payload: `{"port":"x","host":}`, err: ErrType, field: "port"},
	{name: "malformed value in a typed field", payload: `{"port":[1,}`, err: ErrSyntax},
}

func TestDecodeTypes(t *testing.T) { runDecodeCases(t, typeCases) }

// §3.1 rule 4 (null is the zero value) and §3 (unknown keys are ignored,
// but must be well-formed).
var nullAndUnknownCases = []decodeCase{
	{name: "every field null", payload: `{"host":null,"port":null,"tls_port":null,"protocol":null,"uris":null,"tags":null,"app":null,` +
		`"private_instance_id":null,"private_instance_index":null,"stale_threshold_in_seconds":null,"isolation_segment":null,` +
		`"server_cert_domain_san":null,"route_service_url":null,"endpoint_updated_at_ns":null,"availability_zone":null,"options":null}`, want: Message{}},
	{name: "unknown keys of every type", payload: `{"host":"h","dea":"x","router_group_guid":{"a":[1,2,{"b":null}]},"n":-1.5e+3,"t":true,"f":false,"z":null,"e":[]}`, want: Message{Host: "h"}},
	{name: "top-level lb_algo is not an option", payload: `{"lb_algo":"least-connection"}`, want: Message{}},
	{name: "malformed unknown value", payload: `{"dea":[1,]}`, err: ErrSyntax},
	{name: "bad escape in unknown key", payload: `{"d\x":1}`, err: ErrSyntax},
	{name: "nesting 10000 deep is accepted", payload: `{"x":` + strings.Repeat("[", 9999) + strings.Repeat("]", 9999) + `}`, want: Message{}},
	{name: "nesting 10001 deep is refused", payload: `{"x":` + strings.Repeat("[", 10000) + strings.Repeat("]", 10000) + `}`, err: ErrSyntax},
	{name: "deep objects", payload: `{"x":` + strings.Repeat(`{"a":`, 9999) + `1` + strings.Repeat("}", 9999) + `}`, want: Message{}},
	{name: "deep objects refused", payload: `{"x":` + strings.Repeat(`{"a":`, 10000) + `1` + strings.Repeat("}", 10000) + `}`, err: ErrSyntax},
}

func TestDecodeNullAndUnknown(t *testing.T) { runDecodeCases(t, nullAndUnknownCases) }

// Strings decode as encoding/json decodes them.
var stringCases = []decodeCase{
	{name: "escapes", payload: `{"host":"a\"b\\c\/d\b\f\n\r\te"}`, want: Message{Host: "a\"b\\c/d\b\f\n\r\te"}},
	{name: "unicode escape", payload: `{"host":"\u00e9\u4e2d"}`, want: Message{Host: "é中"}},
	{name: "surrogate pair", payload: `{"host":"\ud83d\ude00"}`, want: Message{Host: "😀"}},
	{name: "upper-case hex", payload: `{"host":"\uD83D\uDE00"}`, want: Message{Host: "😀"}},
	{name: "lone high surrogate", payload: `{"host":"\ud83dx"}`, want: Message{Host: "\ufffdx"}},
	{name: "lone low surrogate", payload: `{"host":"\ude00\u0041"}`, want: Message{Host: "\ufffdA"}},
	{name: "high then non-surrogate escape", payload: `{"host":"\ud83d\u0041"}`, want: Message{Host: "\ufffdA"}},
	{name: "two high surrogates", payload: `{"host":"\ud83d\ud83d\ude00"}`, want: Message{Host: "\ufffd😀"}},
	{name: "high surrogate at the end", payload: `{"host":"\ud83d"}`, want: Message{Host: "\ufffd"}},
	{name: "escaped NUL", payload: `{"host":"a\u0000b"}`, want: Message{Host: "a\x00b"}},
	{name: "raw UTF-8", payload: `{"host":"ünïcödé"}`, want: Message{Host: "ünïcödé"}},
	{name: "invalid UTF-8", payload: "{\"host\":\"a\xffb\xc3\"}", want: Message{Host: "a\ufffdb\ufffd"}},
	{name: "encoded surrogate is invalid UTF-8", payload: "{\"host\":\"\xed\xa0\x80\"}", want: Message{Host: "\ufffd\ufffd\ufffd"}},
	{name: "DEL is allowed", payload: "{\"host\":\"\x7f\"}", want: Message{Host: "\x7f"}},
	{name: "invalid UTF-8 in a key", payload: "{\"ho\xffst\":\"h\"}", want: Message{}},
	{name: "escaped tag key", payload: `{"tags":{"a\nb":"c\u0021"}}`, want: Message{Tags: map[string]string{"a\nb": "c!"}}},
}

func TestDecodeStrings(t *testing.T) { runDecodeCases(t, stringCases) }

// §3.1 rule 5 and §3.2: the checks on decoded values, and what is not
// checked.
var checkCases = []decodeCase{
	{name: "route service https", payload: `{"route_service_url":"https://rs.test"}`, want: Message{RouteServiceURL: "https://rs.test"}},
	{name: "route service prefix only", payload: `{"route_service_url":"httpsfoo"}`, want: Message{RouteServiceURL: "httpsfoo"}},
	{name: "route service exactly https", payload: `{"route_service_url":"https"}`, want: Message{RouteServiceURL: "https"}},
	{name: "route service http", payload: `{"route_service_url":"http://rs.test"}`, err: ErrValue, field: "route_service_url"},
	{name: "route service upper case", payload: `{"route_service_url":"HTTPS://rs.test"}`, err: ErrValue, field: "route_service_url"},
	{name: "route service short", payload: `{"route_service_url":"http"}`, err: ErrValue, field: "route_service_url"},
	{name: "route service leading space", payload: `{"route_service_url":" https://x"}`, err: ErrValue, field: "route_service_url"},
	{name: "route service empty", payload: `{"route_service_url":""}`, want: Message{}},
	{name: "route service checked without URIs", payload: `{"route_service_url":"ftp://x"}`, err: ErrValue, field: "route_service_url"},
	{name: "empty host with URIs", payload: `{"host":"","port":8080,"uris":["a.test"]}`, err: ErrValue, field: "host"},
	{name: "no host with URIs", payload: `{"tls_port":8443,"uris":["a.test"]}`, err: ErrValue, field: "host"},
	{name: "null host with URIs", payload: `{"host":null,"uris":["a.test"]}`, err: ErrValue, field: "host"},
	{name: "empty host without URIs", payload: `{"port":8080}`, want: Message{Port: 8080}},
	{name: "empty host with empty URIs", payload: `{"port":8080,"uris":[]}`, want: Message{Port: 8080, URIs: []string{}}},
	{name: "port 0 and no tls_port", payload: `{"host":"h","port":0,"uris":["a"]}`, want: Message{Host: "h", URIs: []string{"a"}}},
	{name: "URIs not parsed", payload: `{"host":"h","uris":["http://x.com",""," a b ","10.0.0.1","*.w.test"]}`, want: Message{Host: "h", URIs: []string{"http://x.com", "", " a b ", "10.0.0.1", "*.w.test"}}},
	{name: "host not syntax-checked", payload: `{"host":"not a host!","uris":["a"]}`, want: Message{Host: "not a host!", URIs: []string{"a"}}},
	{name: "host of white space", payload: `{"host":" ","uris":["a"]}`, want: Message{Host: " ", URIs: []string{"a"}}},
	{name: "any strings", payload: `{"host":"h","protocol":"gopher","app":"x","private_instance_id":"?","private_instance_index":"-1","isolation_segment":"ISO","availability_zone":"?","server_cert_domain_san":"*"}`,
		want: Message{Host: "h", Protocol: "gopher", App: "x", PrivateInstanceID: "?", PrivateInstanceIndex: "-1", IsolationSegment: "ISO", AvailabilityZone: "?", ServerCertDomainSAN: "*"}},
	{name: "unknown load balancing kept", payload: `{"options":{"loadbalancing":"bogus"}}`, want: Message{Options: Options{LoadBalancing: "bogus"}}},
	{name: "tls_port only", payload: `{"host":"10.0.0.1","port":0,"tls_port":61000,"uris":["a.test"],"server_cert_domain_san":"i"}`, want: Message{Host: "10.0.0.1", TLSPort: 61000, URIs: []string{"a.test"}, ServerCertDomainSAN: "i"}},
}

func TestDecodeChecks(t *testing.T) { runDecodeCases(t, checkCases) }

// §3.4: options are lenient; one that cannot be used is listed and
// ignored, never rejecting the registration.
var optionCases = []decodeCase{
	{name: "loadbalancing", payload: reg(`{"loadbalancing":"least-connection"}`), want: with(Options{LoadBalancing: "least-connection"})},
	{name: "lb_algo alias", payload: reg(`{"lb_algo":"least-connection"}`), want: with(Options{LoadBalancing: "least-connection"})},
	{name: "loadbalancing wins over lb_algo after it", payload: reg(`{"loadbalancing":"round-robin","lb_algo":"least-connection"}`), want: with(Options{LoadBalancing: "round-robin"})},
	{name: "loadbalancing wins over lb_algo before it", payload: reg(`{"lb_algo":"least-connection","loadbalancing":"round-robin"}`), want: with(Options{LoadBalancing: "round-robin"})},
	{name: "empty loadbalancing gives way to lb_algo", payload: reg(`{"loadbalancing":"","lb_algo":"least-connection"}`), want: with(Options{LoadBalancing: "least-connection"})},
	{name: "keys in any case", payload: reg(`{"LoadBalancing":"hash","HASH_HEADER":"X-User","Hash_Balance":"1.25"}`), want: with(Options{LoadBalancing: "hash", HashHeader: "X-User", HashBalance: 1.25})},
	{name: "hash_balance as string", payload: reg(`{"loadbalancing":"hash","hash_header":"X-User","hash_balance":"1.2"}`), want: with(Options{LoadBalancing: "hash", HashHeader: "X-User", HashBalance: 1.2})},
	{name: "hash_balance as number", payload: reg(`{"hash_balance":1.2}`), want: with(Options{HashBalance: 1.2})},
	{name: "hash_balance integer string", payload: reg(`{"hash_balance":"2"}`), want: with(Options{HashBalance: 2})},
	{name: "hash_balance exponent", payload: reg(`{"hash_balance":"12e-1"}`), want: with(Options{HashBalance: 1.2})},
	{name: "hash_balance zero", payload: reg(`{"hash_balance":"-0"}`), want: with(Options{})},
	{name: "hash_balance null", payload: reg(`{"hash_balance":"1.5","hash_balance":null}`), want: with(Options{HashBalance: 1.5})},
	{name: "hash_balance not a number", payload: reg(`{"loadbalancing":"hash","hash_balance":"abc"}`), want: with(Options{LoadBalancing: "hash"}), optErrs: []string{"options.hash_balance"}},
	{name: "hash_balance with spaces", payload: reg(`{"hash_balance":" 1.2"}`), want: with(Options{}), optErrs: []string{"options.hash_balance"}},
	{name: "hash_balance empty string", payload: reg(`{"hash_balance":""}`), want: with(Options{}), optErrs: []string{"options.hash_balance"}},
	{name: "hash_balance hex", payload: reg(`{"hash_balance":"0x1p1"}`), want: with(Options{}), optErrs: []string{"options.hash_balance"}},
	{name: "hash_balance Inf", payload: reg(`{"hash_balance":"Inf"}`), want: with(Options{}), optErrs: []string{"options.hash_balance"}},
	{name: "hash_balance overflows", payload: reg(`{"hash_balance":1e999}`), want: with(Options{}), optErrs: []string{"options.hash_balance"}},
	{name: "hash_balance negative", payload: reg(`{"hash_balance":-1}`), want: with(Options{}), optErrs: []string{"options.hash_balance"}},
	{name: "hash_balance bool", payload: reg(`{"hash_balance":true}`), want: with(Options{}), optErrs: []string{"options.hash_balance"}},
	{name: "bad option keeps the earlier value", payload: reg(`{"hash_balance":"1.5","hash_balance":"x"}`), want: with(Options{HashBalance: 1.5}), optErrs: []string{"options.hash_balance"}},
	{name: "loadbalancing number", payload: reg(`{"loadbalancing":5,"hash_header":"H"}`), want: with(Options{HashHeader: "H"}), optErrs: []string{"options.loadbalancing"}},
	{name: "lb_algo object", payload: reg(`{"lb_algo":{}}`), want: with(Options{}), optErrs: []string{"options.lb_algo"}},
	{name: "hash_header array", payload: reg(`{"hash_header":["a"]}`), want: with(Options{}), optErrs: []string{"options.hash_header"}},
	{name: "several bad options in order", payload: reg(`{"loadbalancing":1,"hash_header":2,"hash_balance":"x"}`), want: with(Options{}), optErrs: []string{"options.loadbalancing", "options.hash_header", "options.hash_balance"}},
	{name: "options a string", payload: reg(`"least-connection"`), want: with(Options{}), optErrs: []string{"options"}},
	{name: "options an array", payload: reg(`[{"loadbalancing":"x"}]`), want: with(Options{}), optErrs: []string{"options"}},
	{name: "options a number", payload: reg(`1`), want: with(Options{}), optErrs: []string{"options"}},
	{name: "options null", payload: reg(`null`), want: with(Options{})},
	{name: "options empty", payload: reg(`{}`), want: with(Options{})},
	{name: "unknown option ignored", payload: reg(`{"future":{"x":[1]},"loadbalancing":"round-robin"}`), want: with(Options{LoadBalancing: "round-robin"})},
	{name: "malformed options reject the message", payload: reg(`{"loadbalancing":"x",}`), err: ErrSyntax},
	{name: "malformed bad option rejects the message", payload: reg(`{"loadbalancing":[1,]}`), err: ErrSyntax},
	{name: "option errors do not hide a later type error", payload: `{"options":{"loadbalancing":1},"port":"80"}`, err: ErrType, field: "port"},
}

func TestDecodeOptions(t *testing.T) { runDecodeCases(t, optionCases) }

// reg is a registration with the given options, with its decoded Message.
func reg(options string) string {
	return `{"host":"h","port":1,"uris":["a"],"options":` + options + `}`
}

func with(o Options) Message { return Message{Host: "h", Port: 1, URIs: []string{"a"}, Options: o} }

func TestDecodeError(t *testing.T) {
	for _, tc := range []struct {
		name, payload string
		msg           string // the whole Error()
		offset        int
	}{
		{name: "port string", payload: `{"port":"8080"}`, offset: 8,
			msg: `registration message: port: expected an integer 0-65535 without fraction or exponent, got string "8080" at byte 8`},
		{name: "port range", payload: `{"port": 70000}`, offset: 9,
			msg: `registration message: port: expected an integer 0-65535 without fraction or exponent, got number 70000 at byte 9`},
		{name: "tag", payload: `{"tags":{"component":1}}`, offset: 21,
			msg: `registration message: tags.component: expected a string, got number 1 at byte 21`},
		{name: "uri", payload: `{"uris":["a",{"b":1}]}`, offset: 13,
			msg: `registration message: uris[1]: expected a string, got object at byte 13`},
		{name: "stale threshold", payload: `{"stale_threshold_in_seconds":true}`, offset: 30,
			msg: `registration message: stale_threshold_in_seconds: expected an integer without fraction or exponent, got true at byte 30`},
		{name: "array payload", payload: `[]`, offset: 0,
			msg: `registration message: expected a JSON object, got array at byte 0`},
		{name: "empty payload", payload: ``, offset: 0,
			msg: `registration message: expected a JSON object, got end of payload at byte 0`},
		{name: "syntax", payload: `{"host":"h" "port":1}`, offset: 12,
			msg: `registration message: expected ',' or '}', got string at byte 12`},
		{name: "stray byte", payload: "{\"host\":\xff}", offset: 8,
			msg: `registration message: expected a value, got byte 0xff at byte 8`},
		{name: "route service", payload: `{"route_service_url":"http://rs.test"}`, offset: -1,
			msg: `registration message: route_service_url: expected empty or a value starting with "https", got string "http://rs.test"`},
		{name: "empty host", payload: `{"uris":["a"]}`, offset: -1,
			msg: `registration message: host: expected a non-empty host for the URIs, got none`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Decode([]byte(tc.payload))
			var de *DecodeError
			if !errors.As(err, &de) {
				t.Fatalf("got %v, want a *DecodeError", err)
			}
			if err.Error() != tc.msg || de.Offset != tc.offset {
				t.Errorf("got %q at %d\nwant %q at %d", err, de.Offset, tc.msg, tc.offset)
			}
			if de.Unwrap() == nil {
				t.Errorf("no class to unwrap to")
			}
		})
	}
}

// A long bad value is cut short in the error, on a character boundary.
func TestDecodeErrorCutsLongValues(t *testing.T) {
	for _, payload := range []string{
		`{"route_service_url":"http://` + strings.Repeat("é", 40) + `"}`,
		`{"port":"` + strings.Repeat("é", 40) + `"}`,
		`{"port":` + strings.Repeat("9", 80) + `}`,
	} {
		_, err := Decode([]byte(payload))
		var de *DecodeError
		if !errors.As(err, &de) || !strings.HasSuffix(de.Got, "...") || len(de.Got) > maxGot+20 || !utf8.ValidString(de.Got) {
			t.Errorf("payload %q: got %q, want the value cut short", payload, de.Got)
		}
	}
	_, err := Decode([]byte(`{"tags":{"` + strings.Repeat("ü", 40) + `":1}}`))
	var de *DecodeError
	if !errors.As(err, &de) || de.Field != "tags."+strings.Repeat("ü", 20)+"..." {
		t.Errorf("a long tag key: got %v, want it cut short in Field", err)
	}
}

// The Message does not share memory with the payload: a caller may reuse
// its buffer.
func TestDecodeCopiesThePayload(t *testing.T) {
	payload := []byte(basicPayload)
	m, err := Decode(payload)
	if err != nil {
		t.Fatal(err)
	}
	for i := range payload {
		payload[i] = 'x'
	}
	if !reflect.DeepEqual(m, basicMessage) {
		t.Fatalf("after overwriting the payload: %#v", m)
	}
}

// Decode allocates the payload's copy, the URI slice and the tag map (four
// allocations for a route emitter's twelve tags), and nothing for the
// strings or numbers (§16: refreshes must be cheap).
func TestDecodeAllocations(t *testing.T) {
	for _, tc := range []struct {
		name    string
		payload string
		max     float64
	}{
		{name: "no tags", payload: `{"host":"10.0.0.1","port":61001,"uris":["a.test","b.test/x"],"app":"x","private_instance_index":"0"}`, max: 2},
		{name: "route emitter", payload: routeEmitterPayload, max: 6},
	} {
		t.Run(tc.name, func(t *testing.T) {
			payload := []byte(tc.payload)
			got := testing.AllocsPerRun(100, func() {
				if _, err := Decode(payload); err != nil {
					t.Fatal(err)
				}
			})
			if got > tc.max {
				t.Errorf("%v allocations, want at most %v", got, tc.max)
			}
		})
	}
}
