package admin

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"
)

const defaultLimit = 1024

type routesHandler struct {
	routes  func() Snapshot
	printer Printer
}

// routesQuery is the parsed query of one /routes request.
type routesQuery struct {
	offset, limit int
	invalid       bool
	pretty        bool
	json          bool
}

func parseRoutesQuery(r *http.Request, created int64) (routesQuery, error) {
	q := r.URL.Query()
	rq := routesQuery{limit: defaultLimit, pretty: true}
	var err error
	if rq.offset, err = nonNegative(q, "offset", 0); err != nil {
		return rq, err
	}
	if rq.limit, err = nonNegative(q, "limit", defaultLimit); err != nil {
		return rq, err
	}
	if ts, ok := q["timestamp"]; ok {
		if ts[0] != strconv.FormatInt(created, 10) {
			return rq, fmt.Errorf("invalid timestamp")
		}
	}
	rq.invalid = q.Get("invalid") == "true"
	if v, ok := q["nopretty"]; ok && v[0] != "0" && v[0] != "false" {
		rq.pretty = false
	}
	rq.json = q.Get("format") == "json" || strings.Contains(r.Header.Get("Accept"), "application/json")
	return rq, nil
}

func nonNegative(q map[string][]string, name string, def int) (int, error) {
	v, ok := q[name]
	if !ok {
		return def, nil
	}
	n, err := strconv.Atoi(v[0])
	if err != nil || n < 0 {
		return 0, fmt.Errorf("invalid %s: %q is not a non-negative integer", name, v[0])
	}
	return n, nil
}

// page returns the bounds of the [offset, offset+limit) window of n items.
func page(n, offset, limit int) (int, int) {
	start := min(offset, n)
	end := n
	if limit < n-start {
		end = start + limit
	}
	return start, end
}

func (h *routesHandler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		w.Header().Set("Allow", "GET, HEAD")
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
		return
	}
	snap := h.routes()
	created := snap.Created.Unix()
	rq, err := parseRoutesQuery(r, created)
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	count := len(snap.Valid)
	if rq.invalid {
		count = len(snap.Invalid)
	}
	start, end := page(count, rq.offset, rq.limit)

	var body bytes.Buffer
	if rq.json {
		if rq.invalid {
			err = h.invalidJSON(&body, snap.Invalid[start:end], rq.pretty)
		} else {
			err = h.validJSON(&body, snap, start, end, rq.pretty)
		}
		w.Header().Set("Content-Type", "application/json")
	} else {
		if rq.invalid {
			invalidText(&body, snap.Invalid[start:end])
		} else {
			err = h.validText(&body, snap, start, end, rq.pretty)
		}
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	}
	if err != nil {
		w.Header().Del("Content-Type")
		http.Error(w, "rendering routes: "+err.Error(), http.StatusInternalServerError)
		return
	}
	w.Header().Set("X-Timestamp", strconv.FormatInt(created, 10))
	w.Header().Set("X-Count", strconv.Itoa(count))
	w.Header().Set("Content-Length", strconv.Itoa(body.Len()))
	w.WriteHeader(http.StatusOK)
	if r.Method != http.MethodHead {
		w.Write(body.Bytes())
	}
}

func (h *routesHandler) validJSON(buf *bytes.Buffer, snap Snapshot, start, end int, pretty bool) error {
	items := make([]json.RawMessage, 0, end-start)
	for _, rt := range snap.Valid[start:end] {
		b, err := h.printer.JSON(rt)
		if err != nil {
			return fmt.Errorf("route %s: %w", rt.Id, err)
		}
		items = append(items, b)
	}
	return encodeJSON(buf, items, pretty)
}

// validText prints the valid routes of the page as an eskip document. A
// route may be preceded by comment lines, which keep the document
// parseable: that it is the last valid version of a rejected newer one,
// and the state of its load-balanced endpoints.
func (h *routesHandler) validText(buf *bytes.Buffer, snap Snapshot, start, end int, pretty bool) error {
	routes := snap.Valid[start:end]
	stale := staleByID(snap.Invalid)
	if stale == nil && snap.Endpoints == nil {
		return h.printer.Text(buf, pretty, routes)
	}
	from := 0 // start of the routes not printed yet
	for i, rt := range routes {
		ir, isStale := stale[rt.Id]
		eps, isLB := snap.Endpoints[rt.Id]
		if !isStale && !isLB {
			continue
		}
		if err := h.printer.Text(buf, pretty, routes[from:i]); err != nil {
			return err
		}
		if pretty && buf.Len() > 0 {
			buf.WriteByte('\n') // the blank line the printer puts between routes
		}
		if isStale {
			fmt.Fprintf(buf, "// stale: the last valid version of %s; its new version", ir.Id)
			if p := position(ir); p != "" {
				fmt.Fprintf(buf, " at %s", p)
			}
			fmt.Fprintf(buf, " is invalid (%s)\n", ir.Reason)
		}
		if isLB {
			endpointsComment(buf, eps)
		}
		from = i
	}
	return h.printer.Text(buf, pretty, routes[from:])
}

// endpointsComment writes one comment line per endpoint: its state, and
// since when and why when it is not healthy.
func endpointsComment(buf *bytes.Buffer, eps []EndpointView) {
	for _, e := range eps {
		fmt.Fprintf(buf, "// endpoint %s: %s", e.Address, e.State)
		if e.State != "healthy" {
			fmt.Fprintf(buf, " since %s", e.Since.Format(time.RFC3339))
			if e.Reason != "" {
				fmt.Fprintf(buf, " (%s)", strings.ReplaceAll(e.Reason, "\n", " "))
			}
		}
		fmt.Fprintf(buf, ", %d in flight", e.InFlight)
		if e.FadeIn < 1 {
			fmt.Fprintf(buf, ", fading in at %.0f%%", e.FadeIn*100)
		}
		if e.DropProbability > 0 {
			fmt.Fprintf(buf, ", dropped with probability %.2f", e.DropProbability)
		}
		buf.WriteByte('\n')
	}
}

// staleByID indexes the stale entries of inv by id; nil when there are
// none, the usual case.
func staleByID(inv []InvalidRoute) map[string]InvalidRoute {
	var m map[string]InvalidRoute
	for _, ir := range inv {
		if ir.Stale {
			if m == nil {
				m = map[string]InvalidRoute{}
			}
			m[ir.Id] = ir
		}
	}
	return m
}

// invalidEntry is how an invalid route appears in JSON: the routing table
// keeps only its identity and position, plus the error text. "stale" is true when the table still serves the route's
// last valid version (listed with the valid routes); it is left out
// otherwise, so older readers see the same entries as before.
type invalidEntry struct {
	Id       string `json:"id"`
	Source   string `json:"source,omitempty"`
	Position string `json:"position,omitempty"`
	Reason   string `json:"reason"`
	Error    string `json:"error"`
	Stale    bool   `json:"stale,omitempty"`
}

func (h *routesHandler) invalidJSON(buf *bytes.Buffer, inv []InvalidRoute, pretty bool) error {
	items := make([]invalidEntry, len(inv))
	for i, ir := range inv {
		items[i] = invalidEntry{Id: ir.Id, Source: ir.Source, Position: position(ir), Reason: ir.Reason, Error: errText(ir), Stale: ir.Stale}
	}
	return encodeJSON(buf, items, pretty)
}

// staleNote ends the comment line of a stale route in the invalid list.
const staleNote = " (stale: serving the last valid version)"

func invalidText(buf *bytes.Buffer, inv []InvalidRoute) {
	for _, ir := range inv {
		fmt.Fprintf(buf, "// %s", ir.Id)
		if p := position(ir); p != "" {
			fmt.Fprintf(buf, " at %s", p)
		}
		if ir.Source != "" {
			fmt.Fprintf(buf, " from %s", ir.Source)
		}
		fmt.Fprintf(buf, ": %s: %s", ir.Reason, errText(ir))
		if ir.Stale {
			buf.WriteString(staleNote)
		}
		buf.WriteByte('\n')
	}
}

func position(ir InvalidRoute) string {
	if ir.Pos.Line == 0 {
		return ""
	}
	src := ir.Pos.Source
	if src == "" {
		src = ir.Source
	}
	return fmt.Sprintf("%s:%d:%d", src, ir.Pos.Line, ir.Pos.Column)
}

func errText(ir InvalidRoute) string {
	if ir.Err == nil {
		return ir.Reason
	}
	return ir.Err.Error()
}

func encodeJSON(buf *bytes.Buffer, v any, pretty bool) error {
	enc := json.NewEncoder(buf)
	if pretty {
		enc.SetIndent("", "  ")
	}
	return enc.Encode(v)
}
