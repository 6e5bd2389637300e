package report

import (
	"bytes"
	"encoding/json"
	"slices"
	"strings"
	"testing"

	"github.com/syncgate/syncgate"
	"github.com/syncgate/syncgate/manifest"
)

// TestSARIFStructure checks what SARIF 2.1.0 and code scanning require of
// our output: the version, one sorted rule entry per rule ID, results that
// reference their rule by a valid index, valid levels, and one location
// each with a relative uri and, when a region is given, a startLine of at
// least 1.
func TestSARIFStructure(t *testing.T) {
	for name, d := range map[string]*syncgate.Decision{"blocked": blocked(), "allowed": allowed(), "unknown severity": {
		Findings: []manifest.Finding{{Rule: "custom/x", Severity: "fatal", Message: "m", File: "a.yaml"}},
	}} {
		t.Run(name, func(t *testing.T) {
			var out bytes.Buffer
			if err := Write(&out, d, SARIF, Options{}); err != nil {
				t.Fatal(err)
			}
			var log sarifLog
			dec := json.NewDecoder(&out)
			dec.DisallowUnknownFields()
			if err := dec.Decode(&log); err != nil {
				t.Fatal(err)
			}
			if log.Version != "2.1.0" || !strings.Contains(log.Schema, "sarif-2.1.0") {
				t.Errorf("version %q, $schema %q", log.Version, log.Schema)
			}
			if len(log.Runs) != 1 {
				t.Fatalf("%d runs, want 1", len(log.Runs))
			}
			run := log.Runs[0]
			if run.Tool.Driver.Name != "syncgate" || run.Tool.Driver.InformationURI == "" {
				t.Errorf("driver %+v", run.Tool.Driver)
			}
			levels := []string{"none", "note", "warning", "error"}
			var ids []string
			for _, r := range run.Tool.Driver.Rules {
				ids = append(ids, r.ID)
				if r.ShortDescription.Text == "" || !slices.Contains(levels, r.DefaultConfiguration.Level) {
					t.Errorf("rule %+v", r)
				}
			}
			if !slices.IsSorted(ids) || len(slices.Compact(slices.Clone(ids))) != len(ids) {
				t.Errorf("rule IDs not sorted and unique: %q", ids)
			}
			// Waived findings are results too, suppressed with their reason.
			var want []string
			for _, f := range d.Findings {
				want = append(want, f.Rule)
			}
			for _, w := range d.Waived {
				want = append(want, w.Rule)
			}
			slices.Sort(want)
			if want = slices.Compact(want); !slices.Equal(ids, want) {
				t.Errorf("rules %q, want one per rule ID present %q", ids, want)
			}
			if len(run.Results) != len(d.Findings)+len(d.Waived) {
				t.Fatalf("%d results for %d findings and %d waived", len(run.Results), len(d.Findings), len(d.Waived))
			}
			suppressed := 0
			for _, r := range run.Results {
				if len(r.Suppressions) == 1 && r.Suppressions[0].Kind == "external" && r.Suppressions[0].Justification != "" {
					suppressed++
				}
			}
			if suppressed != len(d.Waived) {
				t.Errorf("%d suppressed results, want one per waived finding (%d)", suppressed, len(d.Waived))
			}
			for _, r := range run.Results {
				if r.RuleIndex < 0 || r.RuleIndex >= len(ids) || ids[r.RuleIndex] != r.RuleID {
					t.Errorf("result %s has rule index %d", r.RuleID, r.RuleIndex)
				}
				if !slices.Contains(levels, r.Level) || r.Message.Text == "" || len(r.PartialFingerprints) == 0 {
					t.Errorf("result %+v", r)
				}
				// Code scanning refuses a file with a result without a location.
				if len(r.Locations) != 1 {
					t.Errorf("result %s has %d locations, want 1", r.RuleID, len(r.Locations))
				}
				for _, loc := range r.Locations {
					uri := loc.PhysicalLocation.ArtifactLocation.URI
					if uri == "" || strings.HasPrefix(uri, "/") || strings.Contains(uri, "://") {
						t.Errorf("result %s: uri %q is not relative to the repository", r.RuleID, uri)
					}
					if reg := loc.PhysicalLocation.Region; reg != nil && reg.StartLine < 1 {
						t.Errorf("result %s: startLine %d", r.RuleID, reg.StartLine)
					}
				}
			}
		})
	}
}

// TestSARIFFingerprints checks that a finding keeps its fingerprint when
// lines move, and that distinct findings get distinct ones.
func TestSARIFFingerprints(t *testing.T) {
	f := blocked().Findings[0]
	moved := f
	moved.Line += 10
	moved.Message = strings.ReplaceAll(f.Message, "7", "17")
	if fingerprint(f) != fingerprint(moved) {
		t.Error("fingerprint changed with the line")
	}
	seen := map[string]string{}
	for _, f := range blocked().Findings {
		fp := fingerprint(f)
		if prev, ok := seen[fp]; ok {
			t.Errorf("%s and %s share a fingerprint", prev, f.Rule)
		}
		seen[fp] = f.Rule
	}
}
