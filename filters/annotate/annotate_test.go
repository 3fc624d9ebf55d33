package annotate

import (
	"net/http/httptest"
	"reflect"
	"testing"
	"time"

	"github.com/skiff-proxy/skiff/filters"
	"github.com/skiff-proxy/skiff/filters/filtertest"
)

func spec(t testing.TB, name string) filters.Spec {
	t.Helper()
	return filtertest.Spec(t, Specs(), name)
}

func TestAnnotate(t *testing.T) {
	for _, tc := range []struct {
		name  string
		chain [][2]string
		bag   map[string]any
		want  map[string]string
	}{
		// skipper's documented example: the later value wins.
		{name: "overwrite", chain: [][2]string{{"never", "gonna give you up"}, {"never", "gonna let you down"}},
			want: map[string]string{"never": "gonna let you down"}},
		{name: "several", chain: [][2]string{{"a", "1"}, {"b", ""}, {"", "empty key"}},
			want: map[string]string{"a": "1", "b": "", "": "empty key"}},
		{name: "adds to earlier ones", chain: [][2]string{{"b", "2"}},
			bag:  map[string]any{StateBagKey: map[string]string{"a": "1"}},
			want: map[string]string{"a": "1", "b": "2"}},
		{name: "foreign value replaced", chain: [][2]string{{"a", "1"}},
			bag:  map[string]any{StateBagKey: 42},
			want: map[string]string{"a": "1"}},
		{name: "nil map replaced", chain: [][2]string{{"a", "1"}},
			bag:  map[string]any{StateBagKey: map[string]string(nil)},
			want: map[string]string{"a": "1"}},
		{name: "none", want: nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ctx := filtertest.NewContext(httptest.NewRequest("GET", "/", nil))
			for k, v := range tc.bag {
				ctx.FStateBag[k] = v
			}
			for _, kv := range tc.chain {
				f := filtertest.Create(t, spec(t, "annotate"), kv[0], kv[1])
				f.Request(ctx)
				f.Response(ctx)
			}
			if got := Annotations(ctx); !reflect.DeepEqual(got, tc.want) {
				t.Errorf("Annotations = %q, want %q", got, tc.want)
			}
			if got := GetAnnotations(ctx); !reflect.DeepEqual(got, tc.want) {
				t.Errorf("GetAnnotations = %q, want %q", got, tc.want)
			}
		})
	}
}

func TestOriginMarker(t *testing.T) {
	created := time.Date(2019, 8, 30, 9, 55, 51, 0, time.UTC)
	for _, tc := range []struct {
		args []any
		want OriginMarker
	}{
		// skipper's documented example.
		{[]any{"apiUsageMonitoring", "deployment1", "2019-08-30T09:55:51Z"},
			OriginMarker{Origin: "apiUsageMonitoring", Id: "deployment1", Created: created}},
		{[]any{"ingress", "ns/name", created.Add(time.Hour)},
			OriginMarker{Origin: "ingress", Id: "ns/name", Created: created.Add(time.Hour)}},
		{[]any{"", "", "2019-08-30T11:55:51+02:00"}, OriginMarker{Created: created}},
	} {
		f := filtertest.Create(t, spec(t, "originMarker"), tc.args...)
		m, ok := f.(*OriginMarker)
		if !ok {
			t.Fatalf("%v: filter is a %T", tc.args, f)
		}
		if m.Origin != tc.want.Origin || m.Id != tc.want.Id || !m.Created.Equal(tc.want.Created) {
			t.Errorf("%v: got %+v, want %+v", tc.args, *m, tc.want)
		}
		// Nothing happens to requests.
		r := httptest.NewRequest("GET", "/p?q=1", nil)
		ctx := filtertest.NewContext(r)
		f.Request(ctx)
		f.Response(ctx)
		if len(ctx.FStateBag) != 0 || len(r.Header) != 0 || ctx.FServed {
			t.Errorf("%v: the marker did something: bag %v", tc.args, ctx.FStateBag)
		}
	}
}

func TestBadArgs(t *testing.T) {
	for _, tc := range []struct {
		filter string
		args   []any
		want   string
	}{
		{"annotate", []any{"k"}, "want 2 argument(s), got 1"},
		{"annotate", []any{"k", "v", "x"}, "want 2 argument(s), got 3"},
		{"annotate", []any{1.0, "v"}, "argument 1 (key) must be a string"},
		{"annotate", []any{"k", 2.0}, "argument 2 (value) must be a string"},
		{"originMarker", []any{"o", "id"}, "want 3 argument(s), got 2"},
		{"originMarker", []any{1.0, "id", "2019-08-30T09:55:51Z"}, "argument 1 (origin) must be a string"},
		{"originMarker", []any{"o", nil, "2019-08-30T09:55:51Z"}, "argument 2 (id) must be a string"},
		{"originMarker", []any{"o", "id", "2019-08-30"}, `argument 3 (created) "2019-08-30" is not an RFC 3339 time`},
		{"originMarker", []any{"o", "id", 1567158951.0}, "argument 3 (created) must be an RFC 3339 time string, got float64"},
	} {
		filtertest.CreateFails(t, spec(t, tc.filter), tc.args, tc.want)
	}
}
