package filterargs

// Flag reads the one argument of a filter that takes the string "true" or
// "false".
func Flag(filter string, args []any) (bool, error) {
	if err := Count(filter, args, 1, 1); err != nil {
		return false, err
	}
	v, err := String(filter, args, 0, `"true" or "false"`)
	if err != nil {
		return false, err
	}
	switch v {
	case "true":
		return true, nil
	case "false":
		return false, nil
	}
	return false, Errorf(filter, `argument 1 must be "true" or "false", got %q`, v)
}
