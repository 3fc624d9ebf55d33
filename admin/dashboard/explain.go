package dashboard

import (
	"net/url"
	"strings"

	"github.com/skiff-proxy/skiff/routing"
)

// Bounds of an explanation: a table of many routes without a path, or of
// many hosts, gives a verdict for each; the page shows the first ones.
const (
	maxVerdicts          = 200
	maxOtherHostsPerList = 10
	defaultRemoteAddr    = "127.0.0.1:40000"
)

type explainView struct {
	Method string         `json:"method"`
	Host   string         `json:"host"`
	Path   string         `json:"path"`
	Route  *verdictRoute  `json:"route"`
	Params []explainParam `json:"params,omitempty"`
	// Verdicts are in the matcher's order, at most maxVerdicts, and at
	// most maxOtherHostsPerList of other hosts per candidate list (the
	// winner is always there);
	// Hidden counts those left out, Counts all of them by outcome.
	Verdicts []verdictView  `json:"verdicts"`
	Hidden   int            `json:"hidden"`
	Counts   map[string]int `json:"counts"`
	// Invalid counts the routes the table left out: they are no
	// candidates.
	Invalid int `json:"invalid"`
}

type explainParam struct {
	Name  string `json:"name"`
	Value string `json:"value"`
}

type verdictRoute struct {
	Id       string `json:"id"`
	Source   string `json:"source"`
	Position string `json:"position,omitempty"`
	Text     string `json:"text"`
	Weight   int    `json:"weight"`
}

type verdictView struct {
	verdictRoute
	List    int    `json:"list"`
	Key     string `json:"key"`
	Outcome string `json:"outcome"`
	Tried   bool   `json:"tried"`
	Failed  string `json:"failed,omitempty"`
	Why     string `json:"why,omitempty"`
	By      string `json:"by,omitempty"`
	Reason  string `json:"reason"`
}

func briefOf(r *routing.Route) verdictRoute {
	return verdictRoute{Id: r.Id, Source: r.Source, Position: position(r.Def.Pos, r.Source), Text: routeText(r), Weight: r.Weight}
}

// explain matches the request described by q (method, url, header lines
// in headers or repeated h, remote) against the current table.
func (d *Dashboard) explain(q url.Values) (any, error) {
	var headers []string
	for _, v := range q["headers"] {
		headers = append(headers, strings.Split(strings.ReplaceAll(v, "\r\n", "\n"), "\n")...)
	}
	headers = append(headers, q["h"]...)
	remote := strings.TrimSpace(q.Get("remote"))
	if remote == "" {
		remote = defaultRemoteAddr
	}
	req, err := routing.ExplainRequest(q.Get("method"), q.Get("url"), headers, remote)
	if err != nil {
		return nil, err
	}
	t := d.o.Tables.Acquire()
	defer t.Release()
	ex := t.Explain(req)
	v := explainView{
		Method: ex.Method, Host: ex.Host, Path: ex.Path, Verdicts: []verdictView{},
		Counts: map[string]int{}, Invalid: len(t.Invalid()),
	}
	if ex.Route != nil {
		b := briefOf(ex.Route)
		v.Route = &b
	}
	for _, p := range ex.Params {
		v.Params = append(v.Params, explainParam{p.Name, p.Value})
	}
	list, others := -1, 0
	for _, vd := range ex.Verdicts {
		v.Counts[vd.Outcome.String()]++
		if vd.List != list {
			list, others = vd.List, 0
		}
		if vd.Outcome == routing.ExplainOtherHost {
			if others++; others > maxOtherHostsPerList {
				v.Hidden++
				continue
			}
		}
		if len(v.Verdicts) >= maxVerdicts && vd.Outcome != routing.ExplainWon {
			v.Hidden++
			continue
		}
		vv := verdictView{
			verdictRoute: briefOf(vd.Route), List: vd.List, Key: vd.Key, Outcome: vd.Outcome.String(),
			Tried: vd.Tried, Failed: vd.Failed, Why: vd.Why, Reason: vd.Reason,
		}
		if vd.By != 0 {
			vv.By = vd.By.String()
		}
		v.Verdicts = append(v.Verdicts, vv)
	}
	return v, nil
}
