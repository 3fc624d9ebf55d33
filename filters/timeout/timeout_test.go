package timeout

import (
	"errors"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/skiff-proxy/skiff/filters"
	"github.com/skiff-proxy/skiff/filters/filtertest"
)

func TestTimeouts(t *testing.T) {
	keys := map[string]string{
		"backendTimeout": filters.BackendTimeout,
		"readTimeout":    filters.ReadTimeout,
		"writeTimeout":   filters.WriteTimeout,
	}
	if len(Specs()) != len(keys) {
		t.Fatalf("got %d specs", len(Specs()))
	}
	for _, s := range Specs() {
		for _, tc := range []struct {
			arg  any
			want time.Duration
		}{
			{"1.5s", 1500 * time.Millisecond},
			{"2m", 2 * time.Minute},
			{3 * time.Second, 3 * time.Second},
		} {
			ctx := filtertest.NewContext(httptest.NewRequest("GET", "/", nil))
			f := filtertest.Create(t, s, tc.arg)
			f.Request(ctx)
			f.Response(ctx)
			got, ok := ctx.FStateBag[keys[s.Name()]].(time.Duration)
			if !ok || got != tc.want || len(ctx.FStateBag) != 1 {
				t.Errorf("%s(%v): state bag %v", s.Name(), tc.arg, ctx.FStateBag)
			}
		}
		for _, tc := range []struct {
			args []any
			want string
		}{
			{nil, "want 1 argument(s), got 0"},
			{[]any{"1s", "2s"}, "want 1 argument(s), got 2"},
			{[]any{"soon"}, `argument 1 (timeout) "soon" is not a duration`},
			{[]any{1000.0}, "argument 1 (timeout) must be a duration string"},
			{[]any{"0s"}, "must be positive"},
			{[]any{"-1s"}, "must be positive"},
		} {
			_, err := s.CreateFilter(tc.args)
			if err == nil || !errors.Is(err, filters.ErrInvalidFilterParameters) ||
				!strings.Contains(err.Error(), tc.want) || !strings.HasPrefix(err.Error(), s.Name()+": ") {
				t.Errorf("%s%v: got %v, want error containing %q", s.Name(), tc.args, err, tc.want)
			}
		}
	}
}

func TestNoAllocs(t *testing.T) {
	ctx := filtertest.NewContext(httptest.NewRequest("GET", "/", nil))
	f := filtertest.Create(t, Specs()[0], "1s")
	f.Request(ctx)
	if n := testing.AllocsPerRun(100, func() { f.Request(ctx) }); n != 0 {
		t.Errorf("%v allocs", n)
	}
}
