package routing

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"
)

// ExplainRequest makes a request to explain (Table.Explain): method, URL (a path alone
// is taken on host localhost, a URL without scheme as http), headers as
// "Name: value" lines (Host sets the host) and the client address.
func ExplainRequest(method, target string, headers []string, remote string) (*http.Request, error) {
	method = strings.ToUpper(strings.TrimSpace(method))
	if method == "" {
		method = http.MethodGet
	}
	target = strings.TrimSpace(target)
	if target == "" {
		return nil, fmt.Errorf("no URL: give a path (/api) or a URL (http://host/api)")
	}
	if !strings.Contains(target, "://") {
		if strings.HasPrefix(target, "/") {
			target = "http://localhost" + target
		} else {
			target = "http://" + target
		}
	}
	u, err := url.Parse(target)
	if err != nil {
		return nil, fmt.Errorf("bad URL %q: %w", target, err)
	}
	r, err := http.NewRequest(method, u.String(), nil)
	if err != nil {
		return nil, fmt.Errorf("bad request %s %s: %w", method, target, err)
	}
	r.RemoteAddr = strings.TrimSpace(remote)
	for _, line := range headers {
		if strings.TrimSpace(line) == "" {
			continue
		}
		name, value, ok := strings.Cut(line, ":")
		name, value = strings.TrimSpace(name), strings.TrimSpace(value)
		if !ok || name == "" || strings.ContainsAny(name, " \t") {
			return nil, fmt.Errorf("bad header %q: want 'Name: value'", line)
		}
		if strings.EqualFold(name, "Host") {
			r.Host = value
			continue
		}
		r.Header.Add(name, value)
	}
	return r, nil
}
