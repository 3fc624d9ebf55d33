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
		xforwardSpec{name: "xforward"},
		xforwardSpec{name: "xforwardFirst", first: true},
	}
}
