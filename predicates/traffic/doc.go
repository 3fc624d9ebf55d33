// Package traffic provides the random traffic-splitting predicates Traffic
// (an independent draw per evaluation, optionally sticky through a cookie)
// and TrafficSegment (one draw per request shared by all TrafficSegment
// predicates, so that segments [0,.1) [.1,.3) [.3,1) split traffic exactly).
package traffic
