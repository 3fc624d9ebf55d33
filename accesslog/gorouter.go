package accesslog

import (
	"fmt"
	"strconv"
	"time"
)

// gorouterTimeLayout is the start time layout of the gorouter format: UTC,
// nanoseconds, and a literal Z.
const gorouterTimeLayout = "2006-01-02T15:04:05.000000000Z"

// Keys of Entry.Additional that the gorouter format prints.
const (
	KeyAppID       = "app_id"
	KeyAppIndex    = "app_index"
	KeyInstanceID  = "instance_id"
	KeyRequestID   = "vcap_request_id"
	KeyRouterError = "x_cf_routererror"
)

// appendGorouter appends the Cloud Foundry gorouter access log line,
// newline included:
//
//	<Host> - [<start>] "<METHOD> <URI> <PROTO>" <status> <bytes in> <bytes out> "<Referer>" "<User-Agent>" "<client addr>" "<backend addr>" x_forwarded_for:"<XFF>" x_forwarded_proto:"<XFP>" vcap_request_id:"<id>" response_time:<s> gorouter_time:<s> app_id:"<app>" app_index:"<idx>" instance_id:"<inst>" x_cf_routererror:"<err>"
//
// Quoted values use Go quoting (strconv.AppendQuote); empty ones print as
// "-".
func appendGorouter(b []byte, e *Entry, stripQ bool) []byte {
	uri := e.URI
	if stripQ {
		uri = stripQuery(uri)
	}
	b = append(b, e.Host...)
	b = append(b, " - ["...)
	b = e.Start.UTC().AppendFormat(b, gorouterTimeLayout)
	b = append(b, "] \""...)
	b = appendQuotedInner(b, e.Method)
	b = append(b, ' ')
	b = appendQuotedInner(b, uri)
	b = append(b, ' ')
	b = appendQuotedInner(b, e.Proto)
	b = append(b, "\" "...)
	if e.Status == 0 {
		b = append(b, `"-"`...)
	} else {
		b = strconv.AppendInt(b, int64(e.Status), 10)
	}
	b = append(b, ' ')
	b = strconv.AppendInt(b, e.BytesRead, 10)
	b = append(b, ' ')
	b = strconv.AppendInt(b, e.BytesWritten, 10)
	b = append(b, ' ')
	b = appendQuoted(b, e.Referer)
	b = append(b, ' ')
	b = appendQuoted(b, e.UserAgent)
	b = append(b, ' ')
	b = appendQuoted(b, e.RemoteAddr)
	b = append(b, ' ')
	b = appendQuoted(b, e.Backend)
	b = append(b, " x_forwarded_for:"...)
	b = appendQuoted(b, e.ForwardedFor)
	b = append(b, " x_forwarded_proto:"...)
	b = appendQuoted(b, e.ForwardedProto)
	b = append(b, " vcap_request_id:"...)
	b = appendAdditional(b, e.Additional, KeyRequestID, e.RequestID)
	b = append(b, " response_time:"...)
	b = appendSeconds(b, e.Duration)
	b = append(b, " gorouter_time:"...)
	switch own := e.Duration - e.BackendDuration; {
	case e.Backend == "":
		b = append(b, "0.000000"...)
	case own < 0:
		b = append(b, '-')
	default:
		b = appendSeconds(b, own)
	}
	b = append(b, " app_id:"...)
	b = appendAdditional(b, e.Additional, KeyAppID, "")
	b = append(b, " app_index:"...)
	b = appendAdditional(b, e.Additional, KeyAppIndex, "")
	b = append(b, " instance_id:"...)
	b = appendAdditional(b, e.Additional, KeyInstanceID, "")
	b = append(b, " x_cf_routererror:"...)
	b = appendAdditional(b, e.Additional, KeyRouterError, e.RouterError)
	return append(b, '\n')
}

// appendSeconds appends d in seconds with six decimals.
func appendSeconds(b []byte, d time.Duration) []byte {
	return strconv.AppendFloat(b, d.Seconds(), 'f', 6, 64)
}

// appendQuoted appends s Go-quoted, `"-"` when empty.
func appendQuoted(b []byte, s string) []byte {
	if s == "" {
		return append(b, `"-"`...)
	}
	return appendQuote(b, s)
}

// appendQuote is strconv.AppendQuote with a fast path for the common case
// of printable ASCII without '"' and '\\', which it leaves as it is.
func appendQuote(b []byte, s string) []byte {
	if !plainASCII(s) {
		return strconv.AppendQuote(b, s)
	}
	b = append(b, '"')
	b = append(b, s...)
	return append(b, '"')
}

func plainASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x20 || c > 0x7e || c == '"' || c == '\\' {
			return false
		}
	}
	return true
}

// appendQuotedInner appends s Go-quoted without the enclosing quotes, so
// that several values share one quoted string.
func appendQuotedInner(b []byte, s string) []byte {
	if plainASCII(s) {
		return append(b, s...)
	}
	n := len(b)
	b = strconv.AppendQuote(b, s)
	copy(b[n:], b[n+1:len(b)-1])
	return b[:len(b)-2]
}

// appendAdditional appends the filter-supplied value of key quoted, else
// fallback (`"-"` when that is empty too). Strings and integers are
// printed without an allocation; other values as fmt prints them.
func appendAdditional(b []byte, add map[string]any, key, fallback string) []byte {
	v, ok := add[key]
	if !ok || v == nil {
		return appendQuoted(b, fallback)
	}
	switch v := v.(type) {
	case string:
		if v == "" {
			return appendQuoted(b, fallback)
		}
		return appendQuote(b, v)
	case int:
		return appendQuotedInt(b, int64(v))
	case int64:
		return appendQuotedInt(b, v)
	case int32:
		return appendQuotedInt(b, int64(v))
	case uint32:
		return appendQuotedInt(b, int64(v))
	case fmt.Stringer:
		return appendQuoted(b, v.String())
	}
	return appendQuoted(b, fmt.Sprint(v))
}

func appendQuotedInt(b []byte, n int64) []byte {
	b = append(b, '"')
	b = strconv.AppendInt(b, n, 10)
	return append(b, '"')
}
