package secrets

import (
	"fmt"
	"strings"
	"unicode/utf8"

	"github.com/syncgate/syncgate/manifest"
)

// hintMinLen is the shortest value a hint is given for: a four-character
// prefix of a shorter value would give away too much of it.
const hintMinLen = 16

// hint returns at most the first four characters of a long value,
// quoted and cut, so that a reader can tell which value is meant; it
// returns "" for shorter values.
func hint(value string) string {
	if utf8.RuneCountInString(value) < hintMinLen || !utf8.ValidString(value) {
		return ""
	}
	prefix := []rune(value)[:4]
	for _, r := range prefix {
		if r < 0x20 || r == 0x7f {
			return ""
		}
	}
	return fmt.Sprintf(" (starts with %q…)", string(prefix))
}

// objectFinding builds a finding about obj, placed at its origin.
func objectFinding(obj *manifest.Object, rule, field, message string) manifest.Finding {
	ref := obj.Ref()
	return manifest.Finding{
		Rule:     rule,
		Severity: severityOf(rule),
		Message:  message,
		Target:   obj.Origin.Target,
		Object:   &ref,
		Field:    field,
		File:     obj.Origin.File,
		Line:     obj.Origin.Line,
	}
}

// fileFinding builds a finding about a file that is not an object.
func fileFinding(file string, line int, rule, field, message string) manifest.Finding {
	return manifest.Finding{Rule: rule, Severity: severityOf(rule), Message: message, Field: field, File: file, Line: line}
}

// joinKey appends a map key to a dotted field path; keys holding dots or
// brackets are bracketed, as kubectl's jsonpath does.
func joinKey(path, key string) string {
	if key == "" || strings.ContainsAny(key, ".[]") {
		return fmt.Sprintf("%s[%s]", path, key)
	}
	if path == "" {
		return key
	}
	return path + "." + key
}

// joinIndex appends a list index to a dotted field path.
func joinIndex(path string, i int) string {
	return fmt.Sprintf("%s[%d]", path, i)
}
