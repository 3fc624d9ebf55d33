package body

import "github.com/skiff-proxy/skiff/filters"

// Specs returns the body filter specs.
func Specs() []filters.Spec {
	return []filters.Spec{
		&sedSpec{name: "sed"},
		&sedSpec{name: "sedDelim", delimited: true},
		&sedSpec{name: "sedRequest", request: true},
		&sedSpec{name: "sedRequestDelim", delimited: true, request: true},
		&blockSpec{name: "blockContent"},
		&blockSpec{name: "blockContentHex", hex: true},
		decompressSpec{},
		randomSpec{},
		&repeatSpec{name: "repeatContent"},
		&repeatSpec{name: "repeatContentHex", hex: true},
		&wrapSpec{name: "wrapContent"},
		&wrapSpec{name: "wrapContentHex", hex: true},
	}
}
