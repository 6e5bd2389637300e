package report

import (
	"encoding/xml"
	"fmt"
	"io"
	"strings"

	"github.com/syncgate/syncgate"
	"github.com/syncgate/syncgate/manifest"
)

// The JUnit XML that GitLab, Jenkins and most CI dashboards read.
type junitSuites struct {
	XMLName  xml.Name     `xml:"testsuites"`
	Name     string       `xml:"name,attr"`
	Tests    int          `xml:"tests,attr"`
	Failures int          `xml:"failures,attr"`
	Errors   int          `xml:"errors,attr"`
	Suites   []junitSuite `xml:"testsuite"`
}

type junitSuite struct {
	Name       string           `xml:"name,attr"`
	Tests      int              `xml:"tests,attr"`
	Failures   int              `xml:"failures,attr"`
	Errors     int              `xml:"errors,attr"`
	Properties *junitProperties `xml:"properties,omitempty"`
	Cases      []junitCase      `xml:"testcase"`
}

type junitProperties struct {
	Property []junitProperty `xml:"property"`
}

type junitProperty struct {
	Name  string `xml:"name,attr"`
	Value string `xml:"value,attr"`
}

type junitCase struct {
	Name      string        `xml:"name,attr"`
	Classname string        `xml:"classname,attr"`
	File      string        `xml:"file,attr,omitempty"`
	Line      int           `xml:"line,attr,omitempty"`
	Failure   *junitProblem `xml:"failure"`
	Error     *junitProblem `xml:"error"`
	Skipped   *junitSkipped `xml:"skipped"`
	SystemOut string        `xml:"system-out,omitempty"`
}

// junitSkipped marks a waived finding's case, with the exception's reason.
type junitSkipped struct {
	Message string `xml:"message,attr"`
}

type junitProblem struct {
	Message string `xml:"message,attr"`
	Type    string `xml:"type,attr"`
	Text    string `xml:",chardata"`
}

// noTargetSuite names the suite of findings that belong to no target.
const noTargetSuite = "(no target)"

// writeJUnit writes one test suite per target, and one for findings that
// name no target. Each finding is a test case: an error is a failure;
// a warning or info passes and carries its text in system-out, which
// GitLab and Jenkins show beside the case without failing the build. A
// target with no findings is one passing case, so that dashboards count
// it; a target that failed to render without any finding saying so is
// one case with an error.
func writeJUnit(w io.Writer, d *syncgate.Decision, _ Options) error {
	root := junitSuites{Name: toolName}
	for _, g := range groupByTarget(d) {
		s := junitSuite{Name: g.name}
		if s.Name == "" {
			s.Name = noTargetSuite
		}
		if g.target != nil {
			s.Properties = &junitProperties{Property: []junitProperty{
				{Name: "kind", Value: string(g.target.Kind)},
				{Name: "objects", Value: fmt.Sprint(g.target.Objects)},
			}}
		}
		for _, f := range g.findings {
			c := junitCase{Name: junitCaseName(f), Classname: s.Name, File: f.File, Line: f.Line}
			text := junitText(f)
			if f.Severity == manifest.SeverityError {
				c.Failure = &junitProblem{Message: describe(f), Type: f.Rule, Text: text}
				s.Failures++
			} else {
				c.SystemOut = text
			}
			s.Cases = append(s.Cases, c)
		}
		if len(g.findings) == 0 && g.target != nil {
			c := junitCase{Name: "render and check", Classname: s.Name}
			if g.target.Error != "" {
				c.Error = &junitProblem{Message: g.target.Error, Type: "render", Text: g.target.Error}
				s.Errors++
			}
			s.Cases = append(s.Cases, c)
		}
		s.Tests = len(s.Cases)
		root.Tests += s.Tests
		root.Failures += s.Failures
		root.Errors += s.Errors
		root.Suites = append(root.Suites, s)
	}
	if s, ok := junitExceptions(d); ok {
		root.Tests += s.Tests
		root.Suites = append(root.Suites, s)
	}
	if _, err := io.WriteString(w, xml.Header); err != nil {
		return err
	}
	enc := xml.NewEncoder(w)
	enc.Indent("", "  ")
	if err := enc.Encode(root); err != nil {
		return err
	}
	_, err := io.WriteString(w, "\n")
	return err
}

// junitCaseName is the rule, the object and the location: unique enough
// for a dashboard to tell cases apart, short enough for a list.
func junitCaseName(f manifest.Finding) string {
	parts := []string{f.Rule}
	if f.Object != nil {
		parts = append(parts, f.Object.String())
	}
	if loc := location(f); loc != "" {
		parts = append(parts, "("+loc+")")
	}
	return strings.Join(parts, " ")
}

// junitText is the whole finding, one fact a line.
func junitText(f manifest.Finding) string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s %s: %s\n", f.Severity, f.Rule, f.Message)
	if loc := location(f); loc != "" {
		fmt.Fprintf(&b, "location: %s\n", loc)
	}
	if f.Object != nil {
		fmt.Fprintf(&b, "object: %s (%s)\n", f.Object, f.Object.APIVersion)
	}
	if f.Field != "" {
		fmt.Fprintf(&b, "field: %s\n", f.Field)
	}
	return b.String()
}

// exceptionsSuite names the suite of what exceptions and overrides did.
const exceptionsSuite = "(exceptions)"

// junitExceptions is a suite with one skipped case per waived finding,
// and the severity overrides as its properties; false when there are
// neither.
func junitExceptions(d *syncgate.Decision) (junitSuite, bool) {
	if len(d.Waived)+len(d.Overrides) == 0 {
		return junitSuite{}, false
	}
	s := junitSuite{Name: exceptionsSuite}
	if len(d.Overrides) > 0 {
		s.Properties = &junitProperties{}
		for _, o := range d.Overrides {
			s.Properties.Property = append(s.Properties.Property, junitProperty{Name: "override " + o.Rule, Value: overrideText(o)})
		}
	}
	for _, wv := range d.Waived {
		s.Cases = append(s.Cases, junitCase{Name: junitCaseName(wv.Finding), Classname: exceptionsSuite, File: wv.File, Line: wv.Line,
			Skipped: &junitSkipped{Message: waivedText(wv)}})
	}
	s.Tests = len(s.Cases)
	return s, true
}
