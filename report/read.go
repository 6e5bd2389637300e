package report

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/syncgate/syncgate"
	"github.com/syncgate/syncgate/manifest"
	"github.com/syncgate/syncgate/render"
)

// MaxJSONSize bounds a decision ReadJSON accepts: far above the JSON of a
// check of thousands of targets, far below what exhausts memory.
const MaxJSONSize = 256 << 20

// ReadJSON reads a decision that -o json wrote, such as one shard's of a
// CI matrix, for syncgate merge; name is the file, for errors. It takes
// only what a check of one revision writes: a diff's objects and field
// changes have no place in Decision once written, so such a file is
// refused rather than merged incompletely.
func ReadJSON(r io.Reader, name string) (*syncgate.Decision, error) {
	data, err := io.ReadAll(io.LimitReader(r, MaxJSONSize+1))
	if err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	if len(data) > MaxJSONSize {
		return nil, fmt.Errorf("%s: larger than %d MiB", name, MaxJSONSize>>20)
	}
	var in jsonDecision
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&in); err != nil {
		return nil, fmt.Errorf("%s: not a syncgate JSON decision: %w", name, err)
	}
	if dec.More() {
		return nil, fmt.Errorf("%s: more than one JSON value", name)
	}
	if in.Objects != nil || in.Diff != nil {
		return nil, fmt.Errorf("%s: a diff's decision (it has objects): merge takes the decisions of syncgate check", name)
	}
	d := &syncgate.Decision{
		Allowed: in.Allowed,
		Stats:   syncgate.Stats{Targets: in.Summary.Targets, Objects: in.Summary.Objects, Total: time.Duration(in.Summary.DurationMs) * time.Millisecond},
	}
	for i, t := range in.Targets {
		if t.Name == "" {
			return nil, fmt.Errorf("%s: targets[%d] has no name", name, i)
		}
		d.Targets = append(d.Targets, syncgate.TargetResult{Name: t.Name, Kind: render.Kind(t.Kind), Objects: t.Objects, Error: t.Error})
	}
	for i, f := range in.Findings {
		finding, err := f.finding()
		if err != nil {
			return nil, fmt.Errorf("%s: findings[%d]: %w", name, i, err)
		}
		d.Findings = append(d.Findings, finding)
	}
	for i, w := range in.Waived {
		finding, err := w.finding()
		if err != nil {
			return nil, fmt.Errorf("%s: waived[%d]: %w", name, i, err)
		}
		d.Waived = append(d.Waived, syncgate.Waived{Finding: finding, Reason: w.Reason, By: w.By})
	}
	for i, o := range in.Overrides {
		sev, err := manifest.ParseSeverity(o.Severity)
		if err != nil {
			return nil, fmt.Errorf("%s: overrides[%d]: %w", name, i, err)
		}
		d.Overrides = append(d.Overrides, syncgate.Override{Rule: o.Rule, Severity: sev, By: o.By, Findings: o.Findings})
	}
	return d, nil
}

func (f jsonFinding) finding() (manifest.Finding, error) {
	if f.Rule == "" {
		return manifest.Finding{}, errors.New("no rule")
	}
	sev, err := manifest.ParseSeverity(f.Severity)
	if err != nil {
		return manifest.Finding{}, err
	}
	out := manifest.Finding{Rule: f.Rule, Severity: sev, Message: f.Message, Target: f.Target, Field: f.Field,
		File: f.File, Line: f.Line, New: f.New}
	out.Object = f.Object.ref()
	for _, r := range f.Related {
		out.Related = append(out.Related, manifest.Location{File: r.File, Line: r.Line, Why: r.Why})
	}
	// One occurrence is the finding's own target and object, as
	// manifest.GroupFindings leaves it.
	if len(f.Targets) > 1 {
		for _, o := range f.Targets {
			out.Targets = append(out.Targets, manifest.Occurrence{Target: o.Target, Object: o.Object.ref()})
		}
	}
	return out, nil
}

func (o *jsonObject) ref() *manifest.ObjectRef {
	if o == nil {
		return nil
	}
	return &manifest.ObjectRef{APIVersion: o.APIVersion, Kind: o.Kind, Namespace: o.Namespace, Name: o.Name}
}
