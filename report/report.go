package report

import (
	"cmp"
	"fmt"
	"io"
	"slices"
	"strings"

	"github.com/syncgate/syncgate"
	"github.com/syncgate/syncgate/manifest"
)

// Format names an output format.
type Format string

// The formats.
const (
	Text     Format = "text"
	JSON     Format = "json"
	SARIF    Format = "sarif"
	JUnit    Format = "junit"
	GitHub   Format = "github"
	Markdown Format = "markdown"
)

// Formats lists every format Write accepts, in the order help texts show them.
var Formats = []Format{Text, JSON, SARIF, JUnit, GitHub, Markdown}

// Options adjust a format. The zero value is valid and is what a machine
// reading the output wants: no colour, nothing left out.
type Options struct {
	// Color adds ANSI colours to the text format. The CLI sets it only when
	// stdout is a terminal and NO_COLOR is unset; other formats ignore it.
	Color bool
	// Quiet makes the text format print nothing when the decision allows,
	// and only warnings, errors, their counts by rule and the summary line
	// when it blocks. Other formats ignore it: a machine wants the whole
	// report.
	Quiet bool
	// Rules describes rule IDs for the sarif format; nil, or a rule it does
	// not know, falls back to the rule ID and a generic text.
	Rules Rules
	// ToolVersion is the syncgate version the sarif format names; "" omits it.
	ToolVersion string
}

// writers maps each format to its writer. Every writer is a pure function
// of its arguments: it reads nothing else (no environment, no files) and
// never changes the Decision.
var writers = map[Format]func(io.Writer, *syncgate.Decision, Options) error{
	Text:     writeText,
	JSON:     writeJSON,
	SARIF:    writeSARIF,
	JUnit:    writeJUnit,
	GitHub:   writeGitHub,
	Markdown: writeMarkdown,
}

// ParseFormat returns the format named s, or an error that lists the
// formats, so that a CLI can refuse a bad flag before it runs a check.
func ParseFormat(s string) (Format, error) {
	f := Format(s)
	if _, ok := writers[f]; !ok {
		return "", fmt.Errorf("unknown output format %q (want one of %s)", s, FormatList())
	}
	return f, nil
}

// Write writes d to w in format. An unknown format is an error.
func Write(w io.Writer, d *syncgate.Decision, format Format, opts Options) error {
	if _, err := ParseFormat(string(format)); err != nil {
		return err
	}
	return writers[format](w, d, opts)
}

// FormatList returns the format names separated by commas, for help texts.
func FormatList() string {
	names := make([]string, len(Formats))
	for i, f := range Formats {
		names[i] = string(f)
	}
	return strings.Join(names, ", ")
}

// counts are the findings of a decision by severity.
type counts struct{ errors, warnings, infos int }

func count(findings []manifest.Finding) counts {
	var c counts
	for _, f := range findings {
		switch f.Severity {
		case manifest.SeverityError:
			c.errors++
		case manifest.SeverityWarning:
			c.warnings++
		case manifest.SeverityInfo:
			c.infos++
		}
	}
	return c
}

// verdict is the one word every human-facing format leads with.
func verdict(d *syncgate.Decision) string {
	if d.Allowed {
		return "allowed"
	}
	return "blocked"
}

// summary is the one-line count the text, github and markdown formats share.
func summary(d *syncgate.Decision) string {
	c := count(d.Findings)
	s := fmt.Sprintf("%d targets, %d objects, %d errors, %d warnings", d.Stats.Targets, d.Stats.Objects, c.errors, c.warnings)
	if len(d.Waived) > 0 {
		s += fmt.Sprintf(", %d waived", len(d.Waived))
	}
	return s
}

// topRules is how many rules the by-rule summary lists; the rest are
// counted together.
const topRules = 10

// manyWarnings is the number of warnings past which the by-rule summary
// says how to tune the checks: a run that buries its errors in warnings
// is a configuration to adjust, not a list to read.
const manyWarnings = 20

// ruleCount is how many findings one rule has, and the most severe of them.
type ruleCount struct {
	rule     string
	severity manifest.Severity
	findings int
}

// ruleSummary is the findings counted by rule: the topRules rules with the
// most findings, and how many findings the other rules have.
type ruleSummary struct {
	top       []ruleCount
	restRules int
	restCount int
	warnings  int
}

// summarize counts findings by rule, most findings first, then the most
// severe, then by rule ID, so that the order never depends on map order.
func summarize(findings []manifest.Finding) ruleSummary {
	index := map[string]int{}
	var rules []ruleCount
	for _, f := range findings {
		i, ok := index[f.Rule]
		if !ok {
			i = len(rules)
			index[f.Rule] = i
			rules = append(rules, ruleCount{rule: f.Rule, severity: f.Severity})
		}
		rules[i].findings++
		if f.Severity.Rank() > rules[i].severity.Rank() {
			rules[i].severity = f.Severity
		}
	}
	slices.SortFunc(rules, func(a, b ruleCount) int {
		return cmp.Or(cmp.Compare(b.findings, a.findings), cmp.Compare(b.severity.Rank(), a.severity.Rank()), cmp.Compare(a.rule, b.rule))
	})
	s := ruleSummary{top: rules[:min(len(rules), topRules)], warnings: count(findings).warnings}
	for _, r := range rules[len(s.top):] {
		s.restRules++
		s.restCount += r.findings
	}
	return s
}

// telling reports whether the summary says more than the findings listed
// above it do: some rule has several findings, or there are more rules
// than it lists. Otherwise it would only repeat each finding's rule.
func (s ruleSummary) telling() bool {
	return len(s.top) > 0 && (s.top[0].findings > 1 || s.restRules > 0)
}

// others names the rules past the top ones: "in 3 other rules".
func (s ruleSummary) others() string {
	if s.restRules == 1 {
		return "in 1 other rule"
	}
	return fmt.Sprintf("in %d other rules", s.restRules)
}

// tuneHint is the advice for a run with more than manyWarnings warnings,
// or "". code formats a command or flag for the output format.
func (s ruleSummary) tuneHint(code func(string) string) string {
	if s.warnings <= manyWarnings {
		return ""
	}
	return fmt.Sprintf("%d warnings: %s says what each rule checks; waive accepted findings with exceptions in %s, "+
		"leave out the bundled checks with %s, and choose what blocks with %s.",
		s.warnings, code("syncgate rules"), code(".syncgate.yaml"), code("--no-default-policies"), code("--fail-on"))
}

// describe is a finding's message with the object and field it is about,
// for formats that have one text field per finding.
func describe(f manifest.Finding) string {
	var b strings.Builder
	if f.Object != nil {
		b.WriteString(f.Object.String())
	}
	if f.Field != "" {
		if b.Len() > 0 {
			b.WriteByte(' ')
		}
		b.WriteString(f.Field)
	}
	if b.Len() > 0 {
		b.WriteString(": ")
	}
	b.WriteString(f.Message)
	b.WriteString(inTargets(f))
	return b.String()
}

// inTargets says, for a finding seen in several targets, which:
// " (in 3 targets: dev, prod, staging)", each named by what tells it from
// the others; "" for a finding of one target.
func inTargets(f manifest.Finding) string {
	if len(f.Targets) < 2 {
		return ""
	}
	names := targetNames(f)
	prefix := names[0][:strings.LastIndexByte(names[0], '/')+1]
	for _, n := range names[1:] {
		for !strings.HasPrefix(n, prefix) {
			prefix = prefix[:strings.LastIndexByte(prefix[:len(prefix)-1], '/')+1]
		}
	}
	for i, n := range names {
		names[i] = strings.TrimPrefix(n, prefix)
	}
	return fmt.Sprintf(" (in %d targets: %s)", len(names), strings.Join(names, ", "))
}

// targetNames are the names of the targets a finding was seen in, each
// once, in order.
func targetNames(f manifest.Finding) []string {
	var names []string
	for _, o := range f.Occurrences() {
		if !slices.Contains(names, o.Target) {
			names = append(names, o.Target)
		}
	}
	return names
}

// standalone is describe, led by the target when the finding has no file:
// annotations and code scanning alerts show the message and the file
// alone, and without a file nothing else would say where.
func standalone(f manifest.Finding) string {
	if f.File == "" && f.Target != "" {
		return f.Target + ": " + describe(f)
	}
	return describe(f)
}

// location is file:line, file, or "" for a finding.
func location(f manifest.Finding) string {
	switch {
	case f.File == "":
		return ""
	case f.Line > 0:
		return fmt.Sprintf("%s:%d", f.File, f.Line)
	}
	return f.File
}

// group is the findings of one target; a nil target holds the findings
// that name no target, or a target the decision does not list.
type group struct {
	name     string
	target   *syncgate.TargetResult
	findings []manifest.Finding
}

// groupByTarget splits the findings by target: first those without a
// target, then the decision's targets in their order, then any target
// named only by findings, by name. Findings keep their order.
func groupByTarget(d *syncgate.Decision) []group {
	byName := map[string][]manifest.Finding{}
	for _, f := range d.Findings {
		byName[f.Target] = append(byName[f.Target], f)
	}
	var groups []group
	if fs := byName[""]; len(fs) > 0 {
		groups = append(groups, group{findings: fs})
	}
	delete(byName, "")
	for i := range d.Targets {
		t := &d.Targets[i]
		groups = append(groups, group{name: t.Name, target: t, findings: byName[t.Name]})
		delete(byName, t.Name)
	}
	var rest []group
	for name, fs := range byName {
		rest = append(rest, group{name: name, findings: fs})
	}
	slices.SortFunc(rest, func(a, b group) int { return cmp.Compare(a.name, b.name) })
	return append(groups, rest...)
}

// errWriter keeps the first write error so formatting code stays linear.
type errWriter struct {
	w   io.Writer
	err error
}

func (e *errWriter) printf(format string, args ...any) {
	if e.err == nil {
		_, e.err = fmt.Fprintf(e.w, format, args...)
	}
}

// waivedText says what waived a finding: its reason and the exception or
// annotation that carries it.
func waivedText(w syncgate.Waived) string {
	where := w.Rule
	if loc := location(w.Finding); loc != "" {
		where += " " + loc
	}
	return fmt.Sprintf("%s %s: waived: %s (by %s)", where, describe(w.Finding), w.Reason, w.By)
}

// overrideText says what a severity override did.
func overrideText(o syncgate.Override) string {
	return fmt.Sprintf("%s set to %s on %d findings (by %s)", o.Rule, o.Severity, o.Findings, o.By)
}

// newMark marks what a pre-merge check found new ("new ") or existing
// ("existing "); "" outside a pre-merge check.
func newMark(f manifest.Finding) string {
	switch {
	case f.New == nil:
		return ""
	case *f.New:
		return "new "
	}
	return "existing "
}
