package syncgate

import (
	"slices"
	"strings"
	"time"

	"github.com/syncgate/syncgate/manifest"
	"github.com/syncgate/syncgate/render"
)

// Decision is the answer for one revision.
type Decision struct {
	// Allowed is false when any finding is at or above Options.FailOn.
	Allowed bool
	// Findings are sorted deterministically.
	Findings []manifest.Finding
	// Waived are the findings exceptions accepted, sorted like Findings.
	Waived []Waived
	// Overrides are the severity overrides that changed findings, by rule.
	Overrides []Override
	// Targets are the rendered targets, sorted by name.
	Targets []TargetResult
	// Stats count and time the run.
	Stats Stats
	// Diff is what the change does, from Gate.Diff and Gate.CheckChange;
	// nil for a check of one revision.
	Diff *Diff
}

// TargetResult summarises one target.
type TargetResult struct {
	Name    string      `json:"name"`
	Kind    render.Kind `json:"kind"`
	Path    string      `json:"path"`
	Objects int         `json:"objects"`
	// Error is why the target failed to render, or "".
	Error string `json:"error"`
}

// Stats count and time a check.
type Stats struct {
	Targets int
	Objects int
	// Cached counts the targets whose results came from the result cache,
	// unrendered.
	Cached int
	// Render, Validate, Policy and Secrets are the time spent rendering
	// and in each stage, summed over targets; Total the whole check.
	Render   time.Duration
	Validate time.Duration
	Policy   time.Duration
	Secrets  time.Duration
	Total    time.Duration
}

// Merge adds the decision of another check, such as another repository's
// or another shard's, to d: d allows only if both allow, and findings,
// waivers, overrides and targets stay sorted, one mistake seen by both
// is one finding, and Stats add up.
func (d *Decision) Merge(other *Decision) {
	d.Allowed = d.Allowed && other.Allowed
	d.Findings = manifest.GroupFindings(append(d.Findings, other.Findings...))
	d.Waived = append(d.Waived, other.Waived...)
	SortWaived(d.Waived)
	d.Overrides = append(d.Overrides, other.Overrides...)
	slices.SortStableFunc(d.Overrides, func(a, b Override) int {
		return strings.Compare(a.Rule+"\x00"+a.By, b.Rule+"\x00"+b.By)
	})
	d.Targets = append(d.Targets, other.Targets...)
	slices.SortStableFunc(d.Targets, func(a, b TargetResult) int { return strings.Compare(a.Name, b.Name) })
	s, o := &d.Stats, other.Stats
	s.Targets += o.Targets
	s.Objects += o.Objects
	s.Cached += o.Cached
	s.Render += o.Render
	s.Validate += o.Validate
	s.Policy += o.Policy
	s.Secrets += o.Secrets
	s.Total += o.Total
}
