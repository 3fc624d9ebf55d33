package loadbalancer

import (
	"math"
	"strings"
	"time"

	"github.com/skiff-proxy/skiff/routing"
)

// fadeIn is a route's fade-in setting: an endpoint younger than duration
// gets the share score(age) of a full one.
type fadeIn struct {
	duration int64 // nanoseconds; 0: off
	exponent float64
}

// score returns (age/duration)^exponent for an endpoint that is fading
// in, and false for one that is not (age outside (0, duration)), whose
// score is 1.
func (f fadeIn) score(age int64) (float64, bool) {
	if age <= 0 || age >= f.duration {
		return 1, false
	}
	s := float64(age) / float64(f.duration)
	if f.exponent != 1 {
		s = math.Pow(s, f.exponent)
	}
	return s, true
}

// created is an endpointCreated declaration of a route.
type created struct {
	host string // host:port
	when time.Time
}

// The fadeIn and endpointCreated filters offer their settings through
// these methods. The post-processor reads them without importing the
// filters' package: the proxy imports this one and must not depend on
// plugins (proxy/extdeps_test.go).
type (
	fadeInSetting interface {
		FadeInSetting() (duration time.Duration, exponent float64)
	}
	creationTime interface {
		Created() (address string, when time.Time) // address: scheme://host:port
	}
)

// fadeInOf reads a route's fade-in settings from its filters: the last
// fadeIn counts, and every endpointCreated. The filters do nothing per
// request; they are only read here.
func fadeInOf(filters []*routing.RouteFilter) (fadeIn, []created) {
	var (
		f fadeIn
		c []created
	)
	for _, rf := range filters {
		switch x := rf.Filter.(type) {
		case fadeInSetting:
			d, k := x.FadeInSetting()
			f = fadeIn{duration: int64(d), exponent: k}
			if !(f.exponent > 0) {
				f.exponent = 1 // the filter's default, for a setting made without it
			}
		case creationTime:
			addr, when := x.Created()
			_, host, _ := strings.Cut(addr, "://")
			c = append(c, created{host: host, when: when})
		}
	}
	if f.duration <= 0 {
		return fadeIn{}, nil // creation times only matter to a fade
	}
	return f, c
}
