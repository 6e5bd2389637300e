package report

import (
	"bytes"
	"encoding/xml"
	"testing"
)

// TestJUnitParses reads the output back and checks that the counts add
// up: one case per finding (or per target without findings), a failure
// per error finding.
func TestJUnitParses(t *testing.T) {
	d := blocked()
	var out bytes.Buffer
	if err := Write(&out, d, JUnit, Options{}); err != nil {
		t.Fatal(err)
	}
	var root junitSuites
	if err := xml.Unmarshal(out.Bytes(), &root); err != nil {
		t.Fatalf("%v\n%s", err, out.String())
	}
	c := count(d.Findings)
	// Two targets have no findings: platform/ingress passes, platform/dns
	// failed; the waived finding is a skipped case.
	if root.Tests != len(d.Findings)+len(d.Waived)+2 || root.Failures != c.errors || root.Errors != 1 {
		t.Errorf("tests %d failures %d errors %d; want %d, %d, 1", root.Tests, root.Failures, root.Errors, len(d.Findings)+len(d.Waived)+2, c.errors)
	}
	cases := 0
	for _, s := range root.Suites {
		cases += len(s.Cases)
		if s.Tests != len(s.Cases) {
			t.Errorf("suite %s says %d tests, holds %d", s.Name, s.Tests, len(s.Cases))
		}
	}
	if cases != root.Tests {
		t.Errorf("%d cases, root says %d", cases, root.Tests)
	}
}
