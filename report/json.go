package report

import (
	"encoding/json"
	"io"

	"github.com/syncgate/syncgate"
	"github.com/syncgate/syncgate/manifest"
)

// The JSON contract of docs/design.md. Every key is always present, with ""
// or 0 or null when unknown, so that scripts need no existence checks;
// json_test.go pins the key sets.
type jsonDecision struct {
	Allowed  bool          `json:"allowed"`
	Summary  jsonSummary   `json:"summary"`
	Targets  []jsonTarget  `json:"targets"`
	Findings []jsonFinding `json:"findings"`
	Waived   []jsonWaived  `json:"waived"`
	// Overrides are the severity overrides the check applied.
	Overrides []jsonOverride `json:"overrides"`
	// Objects and Diff are a diff's, absent from a check of one revision.
	Objects *[]jsonChange `json:"objects,omitempty"`
	Diff    *jsonDiff     `json:"diff,omitempty"`
}

// jsonChange is one object a change adds, removes or modifies.
type jsonChange struct {
	Target     string      `json:"target"`
	APIVersion string      `json:"apiVersion"`
	Kind       string      `json:"kind"`
	Namespace  string      `json:"namespace"`
	Name       string      `json:"name"`
	Change     string      `json:"change"`
	Fields     []jsonField `json:"fields"`
}

// jsonField is one field a modification changes, as YAML text.
type jsonField struct {
	Path   string `json:"path"`
	Change string `json:"change"`
	From   string `json:"from"`
	To     string `json:"to"`
}

// jsonDiff is what a diff rendered.
type jsonDiff struct {
	Targets    []jsonTargetDiff `json:"targets"`
	Unaffected int              `json:"unaffected"`
	Files      []string         `json:"files"`
}

type jsonTargetDiff struct {
	Name   string `json:"name"`
	Change string `json:"change"`
	Error  string `json:"error"`
}

// jsonOverride is a severity override and how many findings it changed.
type jsonOverride struct {
	Rule     string `json:"rule"`
	Severity string `json:"severity"`
	By       string `json:"by"`
	Findings int    `json:"findings"`
}

type jsonSummary struct {
	Targets    int   `json:"targets"`
	Objects    int   `json:"objects"`
	Errors     int   `json:"errors"`
	Warnings   int   `json:"warnings"`
	Waived     int   `json:"waived"`
	DurationMs int64 `json:"durationMs"`
}

type jsonTarget struct {
	Name    string `json:"name"`
	Kind    string `json:"kind"`
	Objects int    `json:"objects"`
	Error   string `json:"error"`
}

type jsonFinding struct {
	Rule     string      `json:"rule"`
	Severity string      `json:"severity"`
	Message  string      `json:"message"`
	Target   string      `json:"target"`
	Object   *jsonObject `json:"object"`
	Field    string      `json:"field"`
	File     string      `json:"file"`
	Line     int         `json:"line"`
	// New is set in a pre-merge check only.
	New *bool `json:"new,omitempty"`
	// Related are other places that explain the finding.
	Related []jsonLocation `json:"related"`
	// Targets are every target the finding was seen in, with the object
	// there; target and object are the first of them.
	Targets []jsonOccurrence `json:"targets"`
}

type jsonLocation struct {
	File string `json:"file"`
	Line int    `json:"line"`
	Why  string `json:"why"`
}

type jsonOccurrence struct {
	Target string      `json:"target"`
	Object *jsonObject `json:"object"`
}

// jsonWaived is a finding an exception accepted, with the exception's
// reason and where it is written.
type jsonWaived struct {
	jsonFinding
	Reason string `json:"reason"`
	By     string `json:"by"`
}

type jsonObject struct {
	APIVersion string `json:"apiVersion"`
	Kind       string `json:"kind"`
	Namespace  string `json:"namespace"`
	Name       string `json:"name"`
}

func writeJSON(w io.Writer, d *syncgate.Decision, _ Options) error {
	c := count(d.Findings)
	out := jsonDecision{
		Allowed: d.Allowed,
		Summary: jsonSummary{Targets: d.Stats.Targets, Objects: d.Stats.Objects, Errors: c.errors, Warnings: c.warnings,
			Waived: len(d.Waived), DurationMs: d.Stats.Total.Milliseconds()},
		Targets:   make([]jsonTarget, len(d.Targets)),
		Findings:  make([]jsonFinding, len(d.Findings)),
		Waived:    make([]jsonWaived, len(d.Waived)),
		Overrides: make([]jsonOverride, len(d.Overrides)),
	}
	for i, o := range d.Overrides {
		out.Overrides[i] = jsonOverride{Rule: o.Rule, Severity: string(o.Severity), By: o.By, Findings: o.Findings}
	}
	for i, t := range d.Targets {
		out.Targets[i] = jsonTarget{Name: t.Name, Kind: string(t.Kind), Objects: t.Objects, Error: t.Error}
	}
	for i, f := range d.Findings {
		out.Findings[i] = newJSONFinding(f)
	}
	for i, w := range d.Waived {
		out.Waived[i] = jsonWaived{jsonFinding: newJSONFinding(w.Finding), Reason: w.Reason, By: w.By}
	}
	if d.Diff != nil {
		out.Objects, out.Diff = jsonDiffOf(d.Diff)
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(out)
}

func newJSONFinding(f manifest.Finding) jsonFinding {
	jf := jsonFinding{Rule: f.Rule, Severity: string(f.Severity), Message: f.Message, Target: f.Target,
		Field: f.Field, File: f.File, Line: f.Line, New: f.New}
	jf.Object = newJSONObject(f.Object)
	jf.Related = make([]jsonLocation, len(f.Related))
	for i, r := range f.Related {
		jf.Related[i] = jsonLocation{File: r.File, Line: r.Line, Why: r.Why}
	}
	occurrences := f.Occurrences()
	jf.Targets = make([]jsonOccurrence, len(occurrences))
	for i, o := range occurrences {
		jf.Targets[i] = jsonOccurrence{Target: o.Target, Object: newJSONObject(o.Object)}
	}
	return jf
}

func newJSONObject(ref *manifest.ObjectRef) *jsonObject {
	if ref == nil {
		return nil
	}
	return &jsonObject{APIVersion: ref.APIVersion, Kind: ref.Kind, Namespace: ref.Namespace, Name: ref.Name}
}

func jsonDiffOf(diff *syncgate.Diff) (*[]jsonChange, *jsonDiff) {
	objects := make([]jsonChange, len(diff.Objects))
	for i, o := range diff.Objects {
		c := jsonChange{Target: o.Target, APIVersion: o.APIVersion, Kind: o.Kind, Namespace: o.Namespace, Name: o.Name,
			Change: string(o.Change), Fields: make([]jsonField, len(o.Fields))}
		for j, f := range o.Fields {
			c.Fields[j] = jsonField{Path: f.Path, Change: string(f.Change), From: f.From, To: f.To}
		}
		objects[i] = c
	}
	jd := &jsonDiff{Targets: make([]jsonTargetDiff, len(diff.Targets)), Unaffected: diff.Unaffected, Files: diff.Files}
	if jd.Files == nil {
		jd.Files = []string{}
	}
	for i, t := range diff.Targets {
		jd.Targets[i] = jsonTargetDiff{Name: t.Name, Change: string(t.Change), Error: t.Error}
	}
	return &objects, jd
}
