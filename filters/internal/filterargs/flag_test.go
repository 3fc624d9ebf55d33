package filterargs

import "testing"

func TestFlag(t *testing.T) {
	for _, tc := range []struct {
		args []any
		want bool
		err  string
	}{
		{[]any{"true"}, true, ""},
		{[]any{"false"}, false, ""},
		{nil, false, "want 1 argument(s), got 0"},
		{[]any{"true", "false"}, false, "want 1 argument(s), got 2"},
		{[]any{true}, false, `argument 1 ("true" or "false") must be a string`},
		{[]any{"yes"}, false, `argument 1 must be "true" or "false", got "yes"`},
	} {
		got, err := Flag("f", tc.args)
		checkArg(t, tc.args, err, tc.err)
		if got != tc.want {
			t.Errorf("Flag(%v) = %v, want %v", tc.args, got, tc.want)
		}
	}
}
