package report

import (
	"fmt"
	"io"
	"slices"
	"strings"
	"text/tabwriter"

	"github.com/syncgate/syncgate/manifest"
)

// Rules looks up what is known about a rule ID. Each stage can provide
// one from its rule registry; Catalog combines them.
type Rules interface {
	// Rule returns the description of id, or false when it knows none.
	Rule(id string) (manifest.Rule, bool)
}

// Catalog is a Rules over a list of descriptions, such as every stage's
// registry appended together. Later entries do not replace earlier ones.
type Catalog []manifest.Rule

// Rule returns the first entry with id.
func (c Catalog) Rule(id string) (manifest.Rule, bool) {
	i := slices.IndexFunc(c, func(r manifest.Rule) bool { return r.ID == id })
	if i < 0 {
		return manifest.Rule{}, false
	}
	return c[i], true
}

// ruleInfo describes id from rules, filling what they leave out: the
// summary from the rule ID and the severity from the findings seen with it.
func ruleInfo(rules Rules, id string, seen manifest.Severity) manifest.Rule {
	var info manifest.Rule
	if rules != nil {
		info, _ = rules.Rule(id)
	}
	info.ID = id
	if info.Severity.Rank() == 0 {
		info.Severity = seen
	}
	if strings.TrimSpace(info.Summary) == "" {
		info.Summary = "syncgate rule " + id
	}
	return info
}

// WriteRules lists rules as `syncgate rules` shows them: one line each,
// sorted by ID, with the severity and the summary (its white space
// collapsed, so that it keeps to its line) in aligned columns.
func WriteRules(w io.Writer, rules []manifest.Rule) error {
	sorted := slices.Clone(rules)
	slices.SortStableFunc(sorted, func(a, b manifest.Rule) int { return strings.Compare(a.ID, b.ID) })
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	for _, r := range sorted {
		if _, err := fmt.Fprintf(tw, "%s\t%s\t%s\n", printable(r.ID, ""), printable(string(r.Severity), ""), printable(oneLine(r.Summary), "")); err != nil {
			return err
		}
	}
	return tw.Flush()
}

func oneLine(s string) string { return strings.Join(strings.Fields(s), " ") }
