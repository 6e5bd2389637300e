package report

import (
	"fmt"
	"io"
	"strings"
	"unicode/utf8"

	"github.com/syncgate/syncgate"
	"github.com/syncgate/syncgate/change"
)

// MarkdownLimit is the most characters a Markdown report of a diff has:
// GitHub's limit for a pull-request comment.
const MarkdownLimit = 65536

// markdownNote is room kept for the note on what was left out.
const markdownNote = 400

// changeCounts counts a target's object changes.
type changeCounts struct{ added, removed, modified int }

func (c changeCounts) String() string {
	return fmt.Sprintf("+%d −%d ~%d", c.added, c.removed, c.modified)
}

func (c *changeCounts) add(k change.Kind) {
	switch k {
	case change.Added:
		c.added++
	case change.Removed:
		c.removed++
	case change.Modified:
		c.modified++
	}
}

// byTarget groups a diff's objects by target, in the diff's target order.
func byTarget(diff *syncgate.Diff) map[string][]change.Object {
	out := map[string][]change.Object{}
	for _, o := range diff.Objects {
		out[o.Target] = append(out[o.Target], o)
	}
	return out
}

func totals(diff *syncgate.Diff) changeCounts {
	var c changeCounts
	for _, o := range diff.Objects {
		c.add(o.Change)
	}
	return c
}

// diffSummary is the one line on what a diff changes.
func diffSummary(diff *syncgate.Diff) string {
	c := totals(diff)
	return fmt.Sprintf("%d objects added, %d removed, %d modified in %d targets (%d targets unaffected)",
		c.added, c.removed, c.modified, len(diff.Targets), diff.Unaffected)
}

// objectName is kind/namespace/name.
func objectName(o change.Object) string { return o.Ref().String() }

// fieldText is one field change on one line: path, then what it was and
// what it becomes. Secret values arrive redacted.
func fieldText(f change.Field) string {
	switch f.Change {
	case change.Added:
		return fmt.Sprintf("%s: added %s", f.Path, flat(f.To))
	case change.Removed:
		return fmt.Sprintf("%s: removed (was %s)", f.Path, flat(f.From))
	}
	return fmt.Sprintf("%s: %s → %s", f.Path, flat(f.From), flat(f.To))
}

// flat flattens a YAML block to one line and caps it.
func flat(s string) string { return truncate(oneLine(s), markdownCell) }

// writeTextDiff prints each target's changes, then a summary line.
func writeTextDiff(ew *errWriter, diff *syncgate.Diff, paint func(code, s string) string) {
	objs := byTarget(diff)
	for _, t := range diff.Targets {
		var c changeCounts
		for _, o := range objs[t.Name] {
			c.add(o.Change)
		}
		ew.printf("%s\n", paint(ansiBold, printable(fmt.Sprintf("%s (%s) %s", t.Name, t.Change, c), "  ")))
		if t.Error != "" {
			ew.printf("  %s\n", printable(t.Error, "    "))
		}
		for _, o := range objs[t.Name] {
			mark := map[change.Kind]string{change.Added: "+", change.Removed: "-", change.Modified: "~"}[o.Change]
			ew.printf("  %s %s\n", mark, printable(objectName(o), "    "))
			for _, f := range o.Fields {
				ew.printf("      %s\n", printable(fieldText(f), "        "))
			}
		}
	}
	ew.printf("%s\n\n", diffSummary(diff))
}

// writeMarkdownDiff writes a pull-request comment that fits
// MarkdownLimit: the verdict, a table of targets, the findings, then one
// collapsed section per target, as many as fit, and a note on what was
// left out.
func writeMarkdownDiff(w io.Writer, d *syncgate.Decision) error {
	var b strings.Builder
	ew := &errWriter{w: &b}
	writeMarkdownHeading(ew, d)
	diff := d.Diff
	objs := byTarget(diff)
	ew.printf("\n%s\n", diffSummary(diff))
	if len(diff.Targets) > 0 {
		ew.printf("\n| Target | Change | Added | Removed | Modified |\n|---|---|---:|---:|---:|\n")
		for _, t := range diff.Targets[:min(len(diff.Targets), markdownRows)] {
			var c changeCounts
			for _, o := range objs[t.Name] {
				c.add(o.Change)
			}
			change := string(t.Change)
			if t.Error != "" {
				change += ": " + truncate(t.Error, markdownCell)
			}
			ew.printf("| %s | %s | %d | %d | %d |\n", markdownEscape(t.Name), markdownEscape(change), c.added, c.removed, c.modified)
		}
		if more := len(diff.Targets) - markdownRows; more > 0 {
			ew.printf("\n…and %d more targets.\n", more)
		}
	}
	writeMarkdownFindings(ew, d)
	if ew.err != nil {
		return ew.err
	}
	leftTargets, leftObjects := 0, 0
	budget := MarkdownLimit - markdownNote
	for i, t := range diff.Targets {
		if leftTargets > 0 {
			leftTargets++
			leftObjects += len(objs[t.Name])
			continue
		}
		open := fmt.Sprintf("\n<details><summary>%s</summary>\n\n", markdownEscape(t.Name))
		if b.Len()+len(open)+len("\n</details>\n") > budget {
			leftTargets, leftObjects = len(diff.Targets)-i, 0
			for _, rest := range diff.Targets[i:] {
				leftObjects += len(objs[rest.Name])
			}
			break
		}
		b.WriteString(open)
		written := 0
		for _, o := range objs[t.Name] {
			item := markdownObject(o)
			if b.Len()+len(item)+len("\n</details>\n") > budget {
				break
			}
			b.WriteString(item)
			written++
		}
		b.WriteString("\n</details>\n")
		if rest := len(objs[t.Name]) - written; rest > 0 {
			leftTargets = 1
			leftObjects = rest
		}
	}
	out := b.String()
	if leftTargets > 0 || len(out) > MarkdownLimit-markdownNote {
		out = cut(out, MarkdownLimit-markdownNote)
		out += fmt.Sprintf("\n> Left out to fit GitHub's %d-character limit: %d object changes in %d targets. The full diff is in the JSON report (`syncgate diff -o json`).\n",
			MarkdownLimit, leftObjects, leftTargets)
	}
	_, err := io.WriteString(w, out)
	return err
}

// markdownObject is one object's list item with its fields.
func markdownObject(o change.Object) string {
	var b strings.Builder
	fmt.Fprintf(&b, "- **%s** %s\n", o.Change, markdownEscape(objectName(o)))
	for _, f := range o.Fields {
		fmt.Fprintf(&b, "  - %s\n", markdownEscape(fieldText(f)))
	}
	return b.String()
}

// cut shortens s to at most n bytes at a line boundary, and at a rune
// boundary when a single line is longer.
func cut(s string, n int) string {
	if len(s) <= n {
		return s
	}
	s = s[:n]
	if i := strings.LastIndexByte(s, '\n'); i > 0 {
		return s[:i+1]
	}
	for !utf8.ValidString(s) {
		s = s[:len(s)-1]
	}
	return s
}
