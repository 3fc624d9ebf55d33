package polling

import (
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/sirupsen/logrus"

	"github.com/skiff-proxy/skiff/dataclients"
	"github.com/skiff-proxy/skiff/eskip"
)

// DefaultInterval is the time between polls when Options.Interval is not
// set: the default of skipper's -source-poll-timeout.
const DefaultInterval = 3 * time.Second

// Client is a route source in skipper's polling style, the method set of
// skipper's routing.DataClient.
type Client interface {
	// LoadAll returns every route of the source.
	LoadAll() ([]*eskip.Route, error)
	// LoadUpdate returns the routes added or changed and the ids of the
	// routes deleted since the previous successful LoadAll or LoadUpdate.
	// The deletes apply first, then the upserts.
	LoadUpdate() ([]*eskip.Route, []string, error)
}

// Options configure a Poller.
type Options struct {
	// Interval is the pause between two polls; 0 or less means
	// DefaultInterval.
	Interval time.Duration
	// Name identifies the client in logs and in the invalid-route list;
	// default "polling:" and the client's Go type.
	Name string
	// Log receives the poll errors; default logrus' standard logger.
	Log logrus.FieldLogger
}

// Poller is a dataclients.DataClient that polls a Client. Create it with
// New.
type Poller struct {
	client   Client
	name     string
	interval time.Duration
	log      logrus.FieldLogger
}

var _ dataclients.DataClient = (*Poller)(nil)

// New returns a Poller of c, which must not be nil.
func New(c Client, o Options) *Poller {
	p := &Poller{client: c, name: o.Name, interval: o.Interval, log: o.Log}
	if p.name == "" {
		p.name = fmt.Sprintf("polling:%T", c)
	}
	if p.interval <= 0 {
		p.interval = DefaultInterval
	}
	if p.log == nil {
		p.log = logrus.StandardLogger()
	}
	p.log = p.log.WithField("client", p.name)
	return p
}

// Name is Options.Name or its default.
func (p *Poller) Name() string { return p.name }

// Run polls the client until ctx is done, sending its routes on out, and
// returns nil. It polls at once, then every Interval.
func (p *Poller) Run(ctx context.Context, out chan<- dataclients.Update) error {
	s := &state{Poller: p, current: map[string]*eskip.Route{}}
	timer := time.NewTimer(0)
	defer timer.Stop()
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-timer.C:
		}
		// A timer and a cancellation ready together are picked at random:
		// do not start a poll that nobody waits for.
		if ctx.Err() != nil {
			return nil
		}
		if u, ok := s.poll(); ok {
			select {
			case out <- u:
			case <-ctx.Done():
				return nil
			}
		}
		timer.Reset(p.interval)
	}
}

// state is what Run keeps between polls.
type state struct {
	*Poller
	current map[string]*eskip.Route // the routes in effect, as last sent, by id
	started bool                    // the first full set was sent
	reload  bool                    // a LoadUpdate failed: the next poll is a LoadAll
	// lastErr is the failure last logged, "" after a success; failures
	// counts the failed polls since the last success.
	lastErr  string
	failures int
}

// poll runs one LoadAll or LoadUpdate and returns the update to send, if
// any.
func (s *state) poll() (dataclients.Update, bool) {
	if !s.started || s.reload {
		routes, err := s.client.LoadAll()
		if err != nil {
			if s.started {
				s.failed("LoadAll", err, "keeping the last routes; retrying LoadAll every "+s.interval.String())
			} else {
				s.failed("LoadAll", err, "no routes from this client yet; retrying every "+s.interval.String())
			}
			return dataclients.Update{}, false
		}
		s.succeeded()
		s.reload = false
		if !s.started {
			s.started = true
			return s.reset(routes), true
		}
		// Everything in effect counts as deleted unless the new set has it.
		gone := make([]string, 0, len(s.current))
		for id := range s.current {
			gone = append(gone, id)
		}
		slices.Sort(gone)
		u := s.change(gone, routes)
		return u, len(u.Upserts)+len(u.Deletes) > 0
	}
	upserts, deletes, err := s.client.LoadUpdate()
	if err != nil {
		s.reload = true
		s.failed("LoadUpdate", err, "keeping the last routes; the next poll loads all routes")
		return dataclients.Update{}, false
	}
	s.succeeded()
	u := s.change(deletes, upserts)
	return u, len(u.Upserts)+len(u.Deletes) > 0
}

// reset makes routes the routes in effect and returns them as a full set.
// The slice is copied because routing reads it while the next poll may
// already run, and a client may reuse its slice.
func (s *state) reset(routes []*eskip.Route) dataclients.Update {
	u := dataclients.Update{Reset: true, Upserts: make([]*eskip.Route, 0, len(routes))}
	for _, r := range routes {
		if r != nil {
			s.current[r.Id] = r
			u.Upserts = append(u.Upserts, r)
		}
	}
	return u
}

// change applies deletes, then upserts, to the routes in effect and
// returns the net difference: an id deleted and upserted again unchanged,
// an unchanged upsert, or a delete of an unknown id leaves nothing.
func (s *state) change(deletes []string, upserts []*eskip.Route) dataclients.Update {
	next := make(map[string]*eskip.Route, len(deletes)+len(upserts)) // nil: deleted
	order := make([]string, 0, len(deletes)+len(upserts))
	touch := func(id string, r *eskip.Route) {
		if _, seen := next[id]; !seen {
			order = append(order, id)
		}
		next[id] = r
	}
	for _, id := range deletes {
		touch(id, nil)
	}
	for _, r := range upserts {
		if r != nil {
			touch(r.Id, r)
		}
	}
	var u dataclients.Update
	for _, id := range order {
		r, old := next[id], s.current[id]
		switch {
		case r == nil && old != nil:
			delete(s.current, id)
			u.Deletes = append(u.Deletes, id)
		case r != nil && !sameRoute(old, r):
			s.current[id] = r
			u.Upserts = append(u.Upserts, r)
		}
	}
	return u
}

// sameRoute reports whether b changes nothing over a. The position counts
// so that a route that moved in its source is sent again and the position
// shown for it (invalid-route list, explain) stays right.
func sameRoute(a, b *eskip.Route) bool {
	if a == nil {
		return false
	}
	return a.Pos.Source == b.Pos.Source && a.Pos.Line == b.Pos.Line && a.Pos.Column == b.Pos.Column &&
		eskip.Identical(a, b)
}

// failed logs a failed poll unless the same failure was the last one
// logged: a source that is down fails the same way on every poll, and one
// line says as much as a line every few seconds.
func (s *state) failed(call string, err error, consequence string) {
	s.failures++
	key := call + ": " + err.Error()
	if key == s.lastErr {
		return
	}
	s.lastErr = key
	s.log.WithError(err).Errorf("%s failed; %s", call, consequence)
}

func (s *state) succeeded() {
	if s.failures > 0 {
		s.log.Infof("polling works again after %d failed polls", s.failures)
	}
	s.failures, s.lastErr = 0, ""
}
