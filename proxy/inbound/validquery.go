package inbound

import "net/http"

// queryValidator answers 400 to a request whose raw query url.ParseQuery
// would reject (-validate-query), before routing, so
// that neither predicates nor backends see a query they cannot parse.
type queryValidator struct{ next http.Handler }

func (v queryValidator) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if !validQuery(r.URL.RawQuery) {
		w.Header()["Server"] = []string{"skiff"}
		http.Error(w, "Invalid query", http.StatusBadRequest)
		return
	}
	v.next.ServeHTTP(w, r)
}

// validQuery reports whether url.ParseQuery accepts q, without
// allocating: it rejects a ';' and a '%' not followed by two hex digits.
func validQuery(q string) bool {
	for i := 0; i < len(q); i++ {
		switch q[i] {
		case ';':
			return false
		case '%':
			if i+2 >= len(q) || !isHex(q[i+1]) || !isHex(q[i+2]) {
				return false
			}
			i += 2
		}
	}
	return true
}

func isHex(c byte) bool {
	return '0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F'
}
