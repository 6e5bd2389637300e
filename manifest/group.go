package manifest

import (
	"slices"
	"strings"
)

// GroupFindings merges the findings that are one mistake seen in several
// targets, as a base's mistake is in each overlay built on it: the same
// rule, severity, file, line, field and kind of object, and the same
// message once the object's name and namespace, which overlays change,
// are left out of it. A group holds one finding per target: two objects
// of one target are two mistakes. The merged finding is the first of
// them in sort order, with Targets listing where each was seen. Findings with no
// target or no file are left alone. The result is sorted; grouping it
// again changes nothing. findings is not modified.
func GroupFindings(findings []Finding) []Finding {
	sorted := slices.Clone(findings)
	SortFindings(sorted)
	out := make([]Finding, 0, len(sorted))
	groups := map[groupKey][]int{} // indexes in out
	for _, f := range sorted {
		if f.Target == "" || f.File == "" {
			out = append(out, f)
			continue
		}
		// Two objects of one target are two mistakes, even where the
		// same line wrote both (a template, an unknown line): f joins a
		// group only where none of its targets is yet.
		key := keyOf(f)
		i := slices.IndexFunc(groups[key], func(i int) bool { return !sharesTarget(out[i].Occurrences(), f.Occurrences()) })
		if i < 0 {
			groups[key] = append(groups[key], len(out))
			out = append(out, f)
			continue
		}
		g := &out[groups[key][i]]
		g.Targets = append(slices.Clone(g.Occurrences()), f.Occurrences()...)
		for _, r := range f.Related {
			if !slices.Contains(g.Related, r) {
				g.Related = append(g.Related, r)
			}
		}
	}
	for i := range out {
		if len(out[i].Targets) == 1 {
			out[i].Targets = nil // one target: Target and Object say it
		}
		slices.SortStableFunc(out[i].Targets, compareOccurrences)
	}
	return out
}

// sharesTarget reports whether a and b were seen in a target in common.
func sharesTarget(a, b []Occurrence) bool {
	return slices.ContainsFunc(a, func(x Occurrence) bool {
		return slices.ContainsFunc(b, func(y Occurrence) bool { return x.Target == y.Target })
	})
}

// groupKey is what findings of one group share.
type groupKey struct {
	rule, file, field, kind, message string
	severity                         Severity
	line                             int
	// isNew is 0 outside a pre-merge check, 1 existing, 2 new: a new
	// mistake is never hidden in a group of existing ones.
	isNew int
}

func keyOf(f Finding) groupKey {
	k := groupKey{rule: f.Rule, file: f.File, field: f.Field, severity: f.Severity, line: f.Line, message: f.Message}
	if f.Object != nil {
		k.kind = f.Object.APIVersion + " " + f.Object.Kind
		k.message = withoutName(f.Message, f.Object)
	}
	if f.New != nil {
		k.isNew = 1
		if *f.New {
			k.isNew = 2
		}
	}
	return k
}

// withoutName replaces the object's name and namespace in msg, where they
// stand as whole names, by placeholders.
func withoutName(msg string, ref *ObjectRef) string {
	msg = replaceName(msg, ref.Name, "\x00name")
	return replaceName(msg, ref.Namespace, "\x00namespace")
}

// replaceName replaces name in s by placeholder wherever it is not part
// of a longer name (letters, digits, '-', '.', '_' on either side).
func replaceName(s, name, placeholder string) string {
	if name == "" {
		return s
	}
	var b strings.Builder
	for {
		i := strings.Index(s, name)
		if i < 0 {
			b.WriteString(s)
			return b.String()
		}
		end := i + len(name)
		whole := (i == 0 || !isNameByte(s[i-1])) && (end == len(s) || !isNameByte(s[end]))
		b.WriteString(s[:i])
		if whole {
			b.WriteString(placeholder)
		} else {
			b.WriteString(name)
		}
		s = s[end:]
	}
}

func isNameByte(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '.' || c == '_'
}

func compareOccurrences(a, b Occurrence) int {
	if c := strings.Compare(a.Target, b.Target); c != 0 {
		return c
	}
	return compareRefs(a.Object, b.Object)
}
