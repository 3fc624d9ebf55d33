package breaker

import (
	"time"

	"github.com/skiff-proxy/skiff/filters/specargs"
)

// Type is the kind of a breaker.
type Type int

const (
	// None means "not set"; merged settings take the type of their source.
	None Type = iota
	// Consecutive opens after Failures consecutive failures.
	Consecutive
	// Rate opens when Failures of the last Window outcomes failed.
	Rate
	// Disabled means no breaker.
	Disabled
)

func (t Type) String() string {
	switch t {
	case Consecutive:
		return "consecutive"
	case Rate:
		return "rate"
	case Disabled:
		return "disabled"
	}
	return "none"
}

// Defaults applied when neither the route nor the registry options say.
const (
	DefaultTimeout          = 60 * time.Second
	DefaultHalfOpenRequests = 1
	DefaultIdleTTL          = time.Hour
)

// Settings describe one breaker. Zero fields are filled from more general
// settings (route <- host <- global) and finally from the defaults.
type Settings struct {
	Type Type
	// Host selects the backend host ("host:port" as in the backend URL) that
	// host-specific settings apply to; empty for global and route settings.
	Host             string
	Failures         int
	Window           int
	Timeout          time.Duration
	HalfOpenRequests int
	IdleTTL          time.Duration
}

// mergeFrom fills the unset fields of s from d. Counts only carry over
// between breakers of the same type, because a rate breaker's failure count
// means something else than a consecutive one's.
func (s Settings) mergeFrom(d Settings) Settings {
	if s.Type == None {
		s.Type = d.Type
	}
	if s.Type == d.Type {
		if s.Failures <= 0 {
			s.Failures = d.Failures
		}
		if s.Window <= 0 {
			s.Window = d.Window
		}
	}
	if s.Timeout <= 0 {
		s.Timeout = d.Timeout
	}
	if s.HalfOpenRequests <= 0 {
		s.HalfOpenRequests = d.HalfOpenRequests
	}
	if s.IdleTTL <= 0 {
		s.IdleTTL = d.IdleTTL
	}
	return s
}

func (s Settings) withDefaults() Settings {
	s.Host = ""
	return s.mergeFrom(Settings{Type: s.Type, Timeout: DefaultTimeout, HalfOpenRequests: DefaultHalfOpenRequests, IdleTTL: DefaultIdleTTL})
}

// usable reports whether s describes a breaker that can trip.
func (s Settings) usable() bool {
	switch s.Type {
	case Consecutive:
		return s.Failures > 0
	case Rate:
		return s.Failures > 0 && s.Window >= s.Failures
	}
	return false
}

// parseArgs reads (failures[, window], [timeout[, halfOpen[, idleTTL]]]).
func parseArgs(name string, t Type, args []any) (Settings, error) {
	a := specargs.Filter(name, args)
	s := Settings{Type: t}
	min := 1
	if t == Rate {
		min = 2
	}
	if len(args) < min || len(args) > min+3 {
		return s, a.Errorf("want %d to %d arguments, got %d", min, min+3, len(args))
	}
	var err error
	if s.Failures, err = a.PositiveInt(0); err != nil {
		return s, err
	}
	off := 1
	if t == Rate {
		if s.Window, err = a.PositiveInt(1); err != nil {
			return s, err
		}
		if s.Window < s.Failures {
			return s, a.Errorf("argument 2 (window %d) must not be smaller than argument 1 (failures %d)", s.Window, s.Failures)
		}
		off = 2
	}
	if len(args) > off {
		if s.Timeout, err = a.PositiveDuration(off, time.Millisecond); err != nil {
			return s, err
		}
	}
	if len(args) > off+1 {
		if s.HalfOpenRequests, err = a.PositiveInt(off + 1); err != nil {
			return s, err
		}
	}
	if len(args) > off+2 {
		if s.IdleTTL, err = a.PositiveDuration(off+2, time.Millisecond); err != nil {
			return s, err
		}
	}
	return s, nil
}
