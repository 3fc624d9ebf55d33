package accesslog

import (
	"encoding/json"
	"sort"
	"strconv"
	"unicode/utf8"
)

// dateFormat is the Apache common log time layout.
const dateFormat = "02/Jan/2006:15:04:05 -0700"

// appendDashed appends s, "-" when empty, escaped as appendEscaped does.
func appendDashed(b []byte, s string, quoted bool) []byte {
	if s == "" {
		return append(b, '-')
	}
	return appendEscaped(b, s, quoted)
}

// appendEscaped appends s so that it stays one field: values such as
// X-Flow-Id come from clients. Bytes that would end the field (a space
// outside quotes, '"'), the backslash and control bytes become \xHH.
func appendEscaped(b []byte, s string, quoted bool) []byte {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c < 0x20 || c == 0x7f || c == '"' || c == '\\' || (c == ' ' && !quoted) {
			b = append(b, '\\', 'x', hexDigits[c>>4], hexDigits[c&0xf])
			continue
		}
		b = append(b, c)
	}
	return b
}

// stripQuery drops everything from the first '?' on.
func stripQuery(uri string) string {
	for i := 0; i < len(uri); i++ {
		if uri[i] == '?' {
			return uri[:i]
		}
	}
	return uri
}

// appendText appends the combined-format line, newline included:
// client - user [time] "METHOD uri PROTO" status bytes "referer" "agent" ms host flow audit
func appendText(b []byte, e *Entry, stripQ bool) []byte {
	uri := e.URI
	if stripQ {
		uri = stripQuery(uri)
	}
	b = appendDashed(b, e.ClientIP, true) // a list of addresses: ", " is part of it
	b = append(b, " - "...)
	b = appendDashed(b, e.AuthUser, false)
	b = append(b, " ["...)
	b = e.Start.AppendFormat(b, dateFormat)
	b = append(b, "] \""...)
	b = appendEscaped(b, e.Method, false)
	b = append(b, ' ')
	b = appendEscaped(b, uri, false)
	b = append(b, ' ')
	b = appendEscaped(b, e.Proto, false)
	b = append(b, "\" "...)
	b = strconv.AppendInt(b, int64(e.Status), 10)
	b = append(b, ' ')
	b = strconv.AppendInt(b, e.BytesWritten, 10)
	b = append(b, " \""...)
	b = appendDashed(b, e.Referer, true)
	b = append(b, "\" \""...)
	b = appendDashed(b, e.UserAgent, true)
	b = append(b, "\" "...)
	b = strconv.AppendInt(b, e.Duration.Milliseconds(), 10)
	b = append(b, ' ')
	b = appendDashed(b, e.Host, false)
	b = append(b, ' ')
	b = appendDashed(b, e.FlowId, false)
	b = append(b, ' ')
	b = appendDashed(b, e.Audit, false)
	return append(b, '\n')
}

// appendJSON appends one JSON object and a newline. The fixed keys come
// first in a stable order, then the additional fields sorted by key; an
// additional field never overrides a fixed one.
func appendJSON(b []byte, e *Entry, stripQ bool) []byte {
	uri := e.URI
	if stripQ {
		uri = stripQuery(uri)
	}
	b = append(b, `{"timestamp":`...)
	b = appendJSONString(b, e.Start.Format(dateFormat))
	b = appendField(b, "host", e.ClientIP)
	b = appendField(b, "method", e.Method)
	b = appendField(b, "uri", uri)
	b = appendField(b, "proto", e.Proto)
	b = appendField(b, "referer", e.Referer)
	b = appendField(b, "user-agent", e.UserAgent)
	b = append(b, `,"status":`...)
	b = strconv.AppendInt(b, int64(e.Status), 10)
	b = append(b, `,"response-size":`...)
	b = strconv.AppendInt(b, e.BytesWritten, 10)
	b = appendField(b, "requested-host", e.Host)
	b = append(b, `,"duration":`...)
	b = strconv.AppendInt(b, e.Duration.Milliseconds(), 10)
	b = appendField(b, "flow-id", e.FlowId)
	b = appendField(b, "audit", e.Audit)
	b = appendField(b, "auth-user", e.AuthUser)
	if len(e.Additional) > 0 {
		keys := make([]string, 0, len(e.Additional))
		for k := range e.Additional {
			if !fixedKeys[k] && k != MaskedQueryParamsKey {
				keys = append(keys, k)
			}
		}
		sort.Strings(keys)
		for _, k := range keys {
			v, err := json.Marshal(e.Additional[k])
			if err != nil {
				v = []byte(strconv.Quote("[error] " + err.Error()))
			}
			b = append(b, ',')
			b = appendJSONString(b, k)
			b = append(b, ':')
			b = append(b, v...)
		}
	}
	return append(b, "}\n"...)
}

var fixedKeys = map[string]bool{
	"timestamp": true, "host": true, "method": true, "uri": true, "proto": true,
	"referer": true, "user-agent": true, "status": true, "response-size": true,
	"requested-host": true, "duration": true, "flow-id": true, "audit": true, "auth-user": true,
}

func appendField(b []byte, key, value string) []byte {
	b = append(b, ',', '"')
	b = append(b, key...)
	b = append(b, '"', ':')
	return appendJSONString(b, value)
}

const hexDigits = "0123456789abcdef"

// appendJSONString quotes s as a JSON string; invalid UTF-8 becomes U+FFFD
// so that the line stays valid JSON whatever the client sent.
func appendJSONString(b []byte, s string) []byte {
	b = append(b, '"')
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			switch {
			case c == '"' || c == '\\':
				b = append(b, '\\', c)
			case c == '\n':
				b = append(b, '\\', 'n')
			case c == '\r':
				b = append(b, '\\', 'r')
			case c == '\t':
				b = append(b, '\\', 't')
			case c < 0x20 || c == 0x7f:
				b = append(b, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xf])
			default:
				b = append(b, c)
			}
			i++
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			b = append(b, `\ufffd`...)
		} else {
			b = append(b, s[i:i+size]...)
		}
		i += size
	}
	return append(b, '"')
}
