package report

import (
	"cmp"
	"io"
	"slices"
	"strings"

	"github.com/syncgate/syncgate"
	"github.com/syncgate/syncgate/manifest"
)

// markdownRows caps the findings table and the list of failed targets: a
// pull-request comment has room for a summary (GitHub takes 65536
// characters), and the full report is one -o away.
const markdownRows = 50

// markdownCell caps one message cell, in runes.
const markdownCell = 300

// writeMarkdown writes a pull-request summary: the verdict, the counts, a
// table of findings, most severe first, the targets that failed, and the
// findings counted by rule.
func writeMarkdown(w io.Writer, d *syncgate.Decision, _ Options) error {
	if d.Diff != nil {
		return writeMarkdownDiff(w, d)
	}
	ew := &errWriter{w: w}
	writeMarkdownHeading(ew, d)
	writeMarkdownFindings(ew, d)
	return ew.err
}

// writeMarkdownHeading writes the verdict and the counts.
func writeMarkdownHeading(ew *errWriter, d *syncgate.Decision) {
	mark := "✅"
	if !d.Allowed {
		mark = "❌"
	}
	c := count(d.Findings)
	ew.printf("### %s syncgate: %s\n\n", mark, verdict(d))
	ew.printf("%d targets, %d objects: %d errors, %d warnings, %d info\n", d.Stats.Targets, d.Stats.Objects, c.errors, c.warnings, c.infos)
}

// writeMarkdownFindings writes the findings table, the targets that
// failed, waivers, overrides and the counts by rule.
func writeMarkdownFindings(ew *errWriter, d *syncgate.Decision) {
	if len(d.Findings) > 0 {
		// Sort a copy: the most severe first, then the decision's order.
		findings := slices.Clone(d.Findings)
		slices.SortStableFunc(findings, func(a, b manifest.Finding) int {
			return cmp.Compare(b.Severity.Rank(), a.Severity.Rank())
		})
		ew.printf("\n| Severity | Rule | Object | Location | Message |\n|---|---|---|---|---|\n")
		for _, f := range findings[:min(len(findings), markdownRows)] {
			object := ""
			if f.Object != nil {
				object = f.Object.String()
			}
			where := location(f)
			if where == "" {
				where = f.Target
			}
			message := f.Message + inTargets(f)
			if f.Field != "" {
				message = f.Field + ": " + message
			}
			ew.printf("| %s | %s | %s | %s | %s |\n", markdownEscape(newMark(f)+string(f.Severity)), markdownEscape(f.Rule), markdownEscape(object),
				markdownEscape(where), markdownEscape(truncate(message, markdownCell)))
		}
		if more := len(findings) - markdownRows; more > 0 {
			ew.printf("\n…and %d more findings; run syncgate check for the full list.\n", more)
		}
	}
	var failed []syncgate.TargetResult
	for _, t := range d.Targets {
		if t.Error != "" {
			failed = append(failed, t)
		}
	}
	if len(failed) > 0 {
		ew.printf("\n#### Targets that failed to render\n\n")
		for _, t := range failed[:min(len(failed), markdownRows)] {
			ew.printf("- %s (%s): %s\n", markdownEscape(t.Name), t.Kind, markdownEscape(truncate(t.Error, markdownCell)))
		}
		if more := len(failed) - markdownRows; more > 0 {
			ew.printf("- …and %d more\n", more)
		}
	}
	writeMarkdownList(ew, "Waived", d.Waived, waivedText)
	writeMarkdownList(ew, "Severity overrides", d.Overrides, overrideText)
	if s := summarize(d.Findings); s.telling() {
		writeMarkdownRules(ew, s)
	}
}

// writeMarkdownList writes a heading and one list item per entry, capped
// like the findings table; nothing when there are none.
func writeMarkdownList[T any](ew *errWriter, heading string, entries []T, text func(T) string) {
	if len(entries) == 0 {
		return
	}
	ew.printf("\n#### %s\n\n", heading)
	for _, e := range entries[:min(len(entries), markdownRows)] {
		ew.printf("- %s\n", markdownEscape(truncate(text(e), markdownCell)))
	}
	if more := len(entries) - markdownRows; more > 0 {
		ew.printf("- …and %d more\n", more)
	}
}

// writeMarkdownRules ends the summary with the findings counted by rule,
// which the capped findings table cannot show for a large run, and the
// tuning hint of a run with many warnings.
func writeMarkdownRules(ew *errWriter, s ruleSummary) {
	ew.printf("\n#### Findings by rule\n\n| Findings | Severity | Rule |\n|---:|---|---|\n")
	for _, r := range s.top {
		ew.printf("| %d | %s | %s |\n", r.findings, markdownEscape(string(r.severity)), markdownEscape(r.rule))
	}
	if s.restRules > 0 {
		ew.printf("| %d |  | %s |\n", s.restCount, s.others())
	}
	if hint := s.tuneHint(func(c string) string { return "`" + c + "`" }); hint != "" {
		ew.printf("\n%s\n", hint)
	}
}

// markdownEscape makes text safe inside a table cell or list item:
// pipes and backslashes escaped, HTML and Markdown markup neutralised,
// line breaks as <br>.
var markdownEscape = strings.NewReplacer(
	`\`, `\\`, "|", `\|`, "`", "\\`", "*", `\*`, "_", `\_`, "[", `\[`, "]", `\]`,
	"&", "&amp;", "<", "&lt;", ">", "&gt;",
	"\r\n", "<br>", "\n", "<br>", "\r", "<br>",
).Replace

// truncate shortens s to at most n runes, marking the cut.
func truncate(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n-1]) + "…"
}
