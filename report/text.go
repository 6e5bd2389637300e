package report

import (
	"fmt"
	"io"
	"strconv"
	"strings"
	"unicode"

	"github.com/syncgate/syncgate"
	"github.com/syncgate/syncgate/manifest"
)

// ANSI escape sequences for the text format's colours.
const (
	ansiReset  = "\x1b[0m"
	ansiBold   = "\x1b[1m"
	ansiRed    = "\x1b[31m"
	ansiGreen  = "\x1b[32m"
	ansiYellow = "\x1b[33m"
	ansiCyan   = "\x1b[36m"
)

// writeText prints the findings grouped by target, the findings counted by
// rule, then a one-line summary: what a person at a terminal or reading a
// CI log wants.
func writeText(w io.Writer, d *syncgate.Decision, opts Options) error {
	if opts.Quiet && d.Allowed {
		return nil
	}
	ew := &errWriter{w: w}
	paint := func(code, s string) string {
		if !opts.Color {
			return s
		}
		return code + s + ansiReset
	}
	if d.Diff != nil {
		writeTextDiff(ew, d.Diff, paint)
	}
	var all []manifest.Finding // every finding shown, for the by-rule summary
	for _, g := range groupByTarget(d) {
		var shown []manifest.Finding
		for _, f := range g.findings {
			if !opts.Quiet || f.Severity.Rank() > manifest.SeverityInfo.Rank() {
				shown = append(shown, f)
			}
		}
		if len(shown) == 0 {
			continue
		}
		all = append(all, shown...)
		indent := ""
		if g.name != "" {
			indent = "  "
			ew.printf("%s\n", paint(ansiBold, printable(targetHeading(g), "  ")))
		}
		for _, f := range shown {
			ew.printf("%s%s\n", indent, textLine(f, paint, indent+"    "))
		}
	}
	writeTextList(ew, paint, "waived", d.Waived, waivedText)
	writeTextList(ew, paint, "severity overrides", d.Overrides, overrideText)
	if s := summarize(all); s.telling() {
		writeTextRules(ew, s, paint)
	}
	verdictColour := ansiGreen
	if !d.Allowed {
		verdictColour = ansiRed + ansiBold
	}
	ew.printf("%s: %s\n", paint(verdictColour, verdict(d)), summary(d))
	return ew.err
}

// writeTextRules prints the findings counted by rule, the most frequent
// first, and the tuning hint of a run with many warnings.
func writeTextRules(ew *errWriter, s ruleSummary, paint func(code, s string) string) {
	width := len(strconv.Itoa(max(s.top[0].findings, s.restCount)))
	ew.printf("findings by rule:\n")
	for _, r := range s.top {
		severity := paint(severityColours[r.severity], fmt.Sprintf("%-7s", r.severity))
		ew.printf("  %*d %s %s\n", width, r.findings, severity, printable(r.rule, "    "))
	}
	if s.restRules > 0 {
		ew.printf("  %*d %s\n", width, s.restCount, s.others())
	}
	if hint := s.tuneHint(func(c string) string { return c }); hint != "" {
		ew.printf("%s\n", hint)
	}
}

func targetHeading(g group) string {
	if g.target == nil {
		return g.name
	}
	return fmt.Sprintf("%s (%s, %d objects)", g.name, g.target.Kind, g.target.Objects)
}

var severityColours = map[manifest.Severity]string{
	manifest.SeverityError:   ansiRed,
	manifest.SeverityWarning: ansiYellow,
	manifest.SeverityInfo:    ansiCyan,
}

// textLine is one finding. Its text is made printable before colour is
// added, and the lines of a multi-line message are indented under it.
func textLine(f manifest.Finding, paint func(code, s string) string, indent string) string {
	var b strings.Builder
	b.WriteString(newMark(f))
	b.WriteString(f.Rule)
	if loc := location(f); loc != "" {
		fmt.Fprintf(&b, " %s", loc)
	}
	if f.Object != nil {
		fmt.Fprintf(&b, " %s", f.Object)
	}
	if f.Field != "" {
		fmt.Fprintf(&b, " %s", f.Field)
	}
	fmt.Fprintf(&b, ": %s%s", f.Message, inTargets(f))
	// Pad before painting, so that colour codes do not count as width.
	severity := paint(severityColours[f.Severity], printable(fmt.Sprintf("%-7s", f.Severity), indent))
	return severity + " " + printable(b.String(), indent)
}

// printable makes text from a repository safe to print on a terminal or
// in a CI log: control and format characters other than tab are shown
// escaped, so a message cannot move the cursor, recolour, reorder (bidi
// overrides) or hide text, and every line
// after the first starts with indent, so it reads as part of the finding
// and cannot pass for a line of its own (a CI workflow command, a verdict).
func printable(s, indent string) string {
	var b strings.Builder
	for _, r := range s {
		switch {
		case r == '\n':
			b.WriteString("\n" + indent)
		case r == '\t' || !unicode.IsControl(r) && !unicode.Is(unicode.Cf, r):
			b.WriteRune(r)
		case r <= 0xff:
			fmt.Fprintf(&b, "\\x%02x", r)
		default:
			fmt.Fprintf(&b, "\\u%04x", r)
		}
	}
	return b.String()
}

// writeTextList writes a heading and one indented line per entry; nothing
// when there are none.
func writeTextList[T any](ew *errWriter, paint func(code, s string) string, heading string, entries []T, text func(T) string) {
	if len(entries) == 0 {
		return
	}
	ew.printf("%s\n", paint(ansiBold, heading))
	for _, e := range entries {
		ew.printf("  %s\n", printable(text(e), "    "))
	}
}
