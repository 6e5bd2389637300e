package manifest

// StringList is the strings of a decoded YAML list, in order; anything
// that is not a list, and items that are not strings, are left out.
func StringList(v any) []string {
	list, _ := v.([]any)
	var out []string
	for _, item := range list {
		if s, ok := item.(string); ok {
			out = append(out, s)
		}
	}
	return out
}
