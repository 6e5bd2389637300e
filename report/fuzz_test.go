package report

import (
	"bytes"
	"encoding/json"
	"encoding/xml"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/syncgate/syncgate"
	"github.com/syncgate/syncgate/manifest"
)

// FuzzWrite feeds every format findings made of arbitrary strings, as a
// hostile repository can choose file names, object names and (through its
// own policies) messages, and checks that no string breaks out of its
// place: JSON and SARIF stay valid, JUnit parses, each GitHub command and
// each Markdown row stays one line, and text keeps every finding's extra
// lines indented.
func FuzzWrite(f *testing.F) {
	f.Add("schema/type", "error", "apps/web", "deploy.yaml", 3, "Deployment", "web", "spec.replicas", "want integer")
	f.Add("a\n::error::x", "warning", "t\r\n", "f,1:2%", 0, "K|k", "n]]>", "<f>", "m\n::warning file=a::b\x1b[2J\u202e")
	f.Add("", "fatal", "", "", -1, "", "", "", "\xff\xfe\x00")
	f.Fuzz(func(t *testing.T, rule, severity, target, file string, line int, kind, name, field, message string) {
		finding := manifest.Finding{Rule: rule, Severity: manifest.Severity(severity), Message: message, Target: target,
			Field: field, File: file, Line: line}
		if kind != "" || name != "" {
			finding.Object = &manifest.ObjectRef{APIVersion: "v1", Kind: kind, Namespace: name, Name: name}
		}
		// Two of the same finding, so that the text and markdown formats
		// count them by rule too.
		d := &syncgate.Decision{
			Findings: []manifest.Finding{finding, finding},
			Targets:  []syncgate.TargetResult{{Name: target, Path: file, Error: message}},
		}
		for _, format := range Formats {
			var out bytes.Buffer
			if err := Write(&out, d, format, Options{}); err != nil {
				t.Fatalf("%s: %v", format, err)
			}
			s := out.String()
			switch format {
			case JSON, SARIF:
				if !json.Valid(out.Bytes()) {
					t.Errorf("%s: invalid JSON:\n%s", format, s)
				}
			case JUnit:
				var root junitSuites
				if err := xml.Unmarshal(out.Bytes(), &root); err != nil {
					t.Errorf("junit: %v\n%s", err, s)
				}
			case GitHub:
				if lines := strings.Count(s, "\n"); lines != 3 {
					t.Errorf("github: %d lines for two findings and the summary:\n%s", lines, s)
				}
			case Markdown:
				// The findings table, a header and two rows; the by-rule
				// table, a header and one row.
				if rows := strings.Count(s, "\n| "); rows != 5 {
					t.Errorf("markdown: %d table rows, want 3 and 2:\n%s", rows, s)
				}
			case Text:
				// Lines start indented, or with the verdict, or with the
				// first line of a heading (the target) or of a finding
				// without a target (its severity), or are the heading of
				// the by-rule counts.
				starts := []string{"  ", "blocked: ", "allowed: "}
				for _, head := range []string{target, fmt.Sprintf("%-7s", severity)} {
					if first, _, _ := strings.Cut(printable(head, "  "), "\n"); first != "" {
						starts = append(starts, first)
					}
				}
				for _, l := range strings.Split(strings.TrimSuffix(s, "\n"), "\n") {
					if l != "findings by rule:" && !slices.ContainsFunc(starts, func(p string) bool { return strings.HasPrefix(l, p) }) {
						t.Errorf("text: line %q stands on its own:\n%s", l, s)
					}
				}
			}
		}
	})
}
