package core

import (
	"errors"
	"net/http/httptest"
	"testing"

	"github.com/skiff-proxy/skiff/filters/specargs"
	"github.com/skiff-proxy/skiff/routing"
)

func TestConstants(t *testing.T) {
	r := httptest.NewRequest("GET", "/", nil)
	for _, tc := range []struct {
		spec routing.PredicateSpec
		name string
		args []any
		want bool
	}{
		{NewTrue(), "True", nil, true},
		{NewTrue(), "True", []any{"ignored", 3.0}, true},
		{NewFalse(), "False", nil, false},
		{NewFalse(), "False", []any{1.0}, false},
	} {
		if tc.spec.Name() != tc.name {
			t.Fatalf("name %q, want %q", tc.spec.Name(), tc.name)
		}
		p, err := tc.spec.Create(tc.args)
		if err != nil {
			t.Fatalf("%s%v: %v", tc.name, tc.args, err)
		}
		if got := p.Match(r); got != tc.want {
			t.Errorf("%s%v matched %v, want %v", tc.name, tc.args, got, tc.want)
		}
	}
}

func TestShutdown(t *testing.T) {
	r := httptest.NewRequest("GET", "/", nil)
	started := make(chan struct{})
	spec := NewShutdown(started)
	if spec.Name() != "Shutdown" {
		t.Fatal(spec.Name())
	}
	if _, err := spec.Create([]any{"x"}); !errors.Is(err, specargs.ErrInvalidPredicateParameters) {
		t.Fatalf("Shutdown(\"x\"): err %v, want ErrInvalid", err)
	}
	p, err := spec.Create(nil)
	if err != nil {
		t.Fatal(err)
	}
	if p.Match(r) {
		t.Fatal("matched before shutdown")
	}
	close(started)
	if !p.Match(r) {
		t.Fatal("did not match after shutdown began")
	}

	never, _ := NewShutdown(nil).Create(nil)
	if never.Match(r) {
		t.Fatal("nil channel matched")
	}
}

func TestNoAllocs(t *testing.T) {
	r := httptest.NewRequest("GET", "/", nil)
	p, _ := NewShutdown(make(chan struct{})).Create(nil)
	if n := testing.AllocsPerRun(100, func() { p.Match(r) }); n != 0 {
		t.Fatalf("%v allocs", n)
	}
}
