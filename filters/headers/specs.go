package headers

import "github.com/skiff-proxy/skiff/filters"

// Specs returns the header filter specs.
func Specs() []filters.Spec {
	return []filters.Spec{
		&setSpec{name: "setRequestHeader", mode: modeSet},
		&setSpec{name: "appendRequestHeader", mode: modeAppend},
		&setSpec{name: "setResponseHeader", mode: modeSet, response: true},
		&setSpec{name: "appendResponseHeader", mode: modeAppend, response: true},
		&dropSpec{name: "dropRequestHeader"},
		&dropSpec{name: "dropResponseHeader", response: true},
		&copySpec{name: "copyRequestHeader"},
		&copySpec{name: "copyResponseHeader", response: true},
		&modSpec{name: "modRequestHeader"},
		&modSpec{name: "modResponseHeader", response: true},
		contextSpec{name: "setContextRequestHeader", mode: modeSet},
		contextSpec{name: "appendContextRequestHeader", mode: modeAppend},
		contextSpec{name: "setContextResponseHeader", mode: modeSet, response: true},
		contextSpec{name: "appendContextResponseHeader", mode: modeAppend, response: true},
		// Registered under both spellings: skipper documents the Value one
		// but registers the other.
		dropRegexpSpec{name: "dropRequestHeaderRegexp"},
		dropRegexpSpec{name: "dropRequestHeaderValueRegexp"},
		dropRegexpSpec{name: "dropResponseHeaderRegexp", response: true},
		dropRegexpSpec{name: "dropResponseHeaderValueRegexp", response: true},
		xforwardSpec{name: "xforward"},
		xforwardSpec{name: "xforwardFirst", first: true},
	}
}

// EncodingSpecs returns the filters that re-encode a header value: into a
// character set (encodeRequestHeader, encodeResponseHeader) or from and
// to base64.
func EncodingSpecs() []filters.Spec {
	return []filters.Spec{
		encodeSpec{name: "encodeRequestHeader"},
		encodeSpec{name: "encodeResponseHeader", response: true},
		base64Spec{name: "encodeBase64RequestHeader"},
		base64Spec{name: "encodeBase64ResponseHeader", response: true},
		base64Spec{name: "decodeBase64RequestHeader", decode: true},
		base64Spec{name: "decodeBase64ResponseHeader", response: true, decode: true},
	}
}
