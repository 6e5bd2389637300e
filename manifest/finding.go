package manifest

import (
	"cmp"
	"fmt"
	"slices"
)

// Severity ranks findings. The zero value is invalid so that a forgotten
// severity is caught by Validate rather than silently passing.
type Severity string

// The severities, from most to least serious.
const (
	SeverityError   Severity = "error"
	SeverityWarning Severity = "warning"
	SeverityInfo    Severity = "info"
)

// Rank orders severities: error 3, warning 2, info 1, anything else 0.
func (s Severity) Rank() int {
	switch s {
	case SeverityError:
		return 3
	case SeverityWarning:
		return 2
	case SeverityInfo:
		return 1
	}
	return 0
}

// ParseSeverity accepts "error", "warning" or "info".
func ParseSeverity(s string) (Severity, error) {
	sev := Severity(s)
	if sev.Rank() == 0 {
		return "", fmt.Errorf("unknown severity %q: want error, warning or info", s)
	}
	return sev, nil
}

// Finding is one result of a check. It is plain data: the report package
// formats it, nothing else.
type Finding struct {
	// Rule is the stable, namespaced rule ID, such as "render/failed".
	Rule string `json:"rule"`
	// Severity is error, warning or info.
	Severity Severity `json:"severity"`
	// Message says what is wrong. It never contains a secret value.
	Message string `json:"message"`
	// Target is the render target the finding belongs to, if any.
	Target string `json:"target,omitempty"`
	// Object is the object the finding is about, if any.
	Object *ObjectRef `json:"object,omitempty"`
	// Field is the dotted path of the field at fault, if known.
	Field string `json:"field,omitempty"`
	// File is the source file, relative to the repository root.
	File string `json:"file,omitempty"`
	// Line is the 1-based line in File, or 0 when unknown.
	Line int `json:"line,omitempty"`
	// New, in a pre-merge check, says whether the change brings the
	// finding: false when the base revision had it too. Nil elsewhere.
	New *bool `json:"new,omitempty"`
	// Related are other places that explain the finding, such as the
	// template line that writes a value set in a values file.
	Related []Location `json:"related,omitempty"`
	// Targets are every target the same mistake was seen in, with the
	// object there, when GroupFindings merged several findings into this
	// one; Target and Object are then the first of them. Nil otherwise.
	Targets []Occurrence `json:"targets,omitempty"`
}

// Location is a place in a repository file and what it has to do with a
// finding.
type Location struct {
	// File is relative to the repository root.
	File string `json:"file"`
	// Line is 1-based, or 0 when unknown.
	Line int `json:"line,omitempty"`
	// Why says what the place did, such as "template that writes the field".
	Why string `json:"why,omitempty"`
}

// Occurrence is one target a finding was seen in and the object there,
// whose name an overlay may have changed.
type Occurrence struct {
	Target string     `json:"target"`
	Object *ObjectRef `json:"object,omitempty"`
}

// Occurrences returns the targets f was seen in: Targets, or f's own
// target alone; none for a finding of no target.
func (f Finding) Occurrences() []Occurrence {
	if len(f.Targets) > 0 {
		return f.Targets
	}
	if f.Target == "" {
		return nil
	}
	return []Occurrence{{Target: f.Target, Object: f.Object}}
}

// SortFindings sorts findings into the one deterministic order every
// output uses: by file, line, target, object, rule, field, then message.
func SortFindings(findings []Finding) {
	slices.SortStableFunc(findings, CompareFindings)
}

// CompareFindings orders findings as SortFindings does.
func CompareFindings(a, b Finding) int {
	return cmp.Or(
		cmp.Compare(a.File, b.File),
		cmp.Compare(a.Line, b.Line),
		cmp.Compare(a.Target, b.Target),
		compareRefs(a.Object, b.Object),
		cmp.Compare(a.Rule, b.Rule),
		cmp.Compare(a.Field, b.Field),
		cmp.Compare(a.Message, b.Message),
		cmp.Compare(b.Severity.Rank(), a.Severity.Rank()),
	)
}

func compareRefs(a, b *ObjectRef) int {
	switch {
	case a == nil && b == nil:
		return 0
	case a == nil:
		return -1
	case b == nil:
		return 1
	}
	return cmp.Or(
		cmp.Compare(a.Kind, b.Kind),
		cmp.Compare(a.Namespace, b.Namespace),
		cmp.Compare(a.Name, b.Name),
		cmp.Compare(a.APIVersion, b.APIVersion),
	)
}
