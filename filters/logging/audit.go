package logging

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"sync"

	"github.com/skiff-proxy/skiff/filters"
	"github.com/skiff-proxy/skiff/filters/specargs"
)

// AuthRejectReason is the state-bag key under which auth filters leave
// why they rejected a request (a string), for auditLog: skipper's key.
// The user they authenticated is under filters.AuthUser.
const AuthRejectReason = "auth-reject-reason"

type auditLogSpec struct{ maxBody int }

func (auditLogSpec) Name() string { return "auditLog" }

func (s auditLogSpec) CreateFilter(args []any) (filters.Filter, error) {
	if err := specargs.Filter(s.Name(), args).Count(0, 0); err != nil {
		return nil, err
	}
	f := &auditLog{maxBody: s.maxBody}
	f.bagKey = fmt.Sprintf("logging.auditLog.%p", f)
	return f, nil
}

// auditLog logs one JSON document per request in the response phase:
// method, path, status, what the auth filters found, and the first
// maxBody bytes of the request body the proxy read.
type auditLog struct {
	maxBody int
	// bagKey holds this filter's *auditBody for the request; it is unique
	// per filter, so two auditLog filters on a request do not mix.
	bagKey string
}

type auditDoc struct {
	Method      string         `json:"method"`
	Path        string         `json:"path"`
	Status      int            `json:"status"`
	AuthStatus  *authStatusDoc `json:"authStatus,omitempty"`
	RequestBody string         `json:"requestBody,omitempty"`
}

type authStatusDoc struct {
	User     string `json:"user,omitempty"`
	Rejected bool   `json:"rejected"`
	Reason   string `json:"reason,omitempty"`
}

func (f *auditLog) Request(ctx filters.FilterContext) {
	if f.maxBody <= 0 {
		return
	}
	r := ctx.Request()
	if r.Body == nil || r.Body == http.NoBody {
		return
	}
	b := &auditBody{rc: r.Body, max: f.maxBody}
	r.Body = b
	ctx.StateBag()[f.bagKey] = b
}

func (f *auditLog) Response(ctx filters.FilterContext) {
	r := ctx.Request()
	doc := auditDoc{Method: r.Method, Path: r.URL.Path}
	if rsp := ctx.Response(); rsp != nil {
		doc.Status = rsp.StatusCode
	}
	bag := ctx.StateBag()
	user, _ := bag[filters.AuthUser].(string)
	reason, _ := bag[AuthRejectReason].(string)
	if user != "" || reason != "" {
		doc.AuthStatus = &authStatusDoc{User: user, Rejected: reason != "", Reason: reason}
	}
	if b, ok := bag[f.bagKey].(*auditBody); ok {
		doc.RequestBody = b.String()
	}
	line, err := json.Marshal(&doc)
	if err != nil {
		ctx.Logger().Errorf("auditLog: %v", err)
		return
	}
	ctx.Logger().Infof("%s", line)
}

// HandleErrorResponse makes the proxy run Response for its error
// responses too (backend unreachable, timeout ...): every request the
// route handled is audited, not only those a backend answered.
func (*auditLog) HandleErrorResponse() bool { return true }

// auditBody keeps a copy of the first max bytes read through it. The
// proxy may read the body on another goroutine while the response phase
// asks for the copy, hence the lock.
type auditBody struct {
	rc  io.ReadCloser
	max int
	mu  sync.Mutex
	buf []byte
}

func (b *auditBody) Read(p []byte) (int, error) {
	n, err := b.rc.Read(p)
	if n > 0 {
		b.mu.Lock()
		if room := b.max - len(b.buf); room > 0 {
			b.buf = append(b.buf, p[:min(n, room)]...)
		}
		b.mu.Unlock()
	}
	return n, err
}

func (b *auditBody) Close() error { return b.rc.Close() }

func (b *auditBody) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return string(b.buf)
}
